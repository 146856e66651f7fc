using Microsoft.Extensions.Logging;

namespace Docx2Pdf.AspNetCore;

/// <summary>Logs of the ASP.NET Core adapter (event ids 1000-1099). Never document content, tokens or credentials.</summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Debug, "Push {MessageId} for {Bucket}/{ObjectName}#{Generation} ({Format}): {Action}{FailureKind}; answered {StatusCode} after {ElapsedMs} ms")]
    public static partial void PushHandled(ILogger logger, LogText messageId, LogText bucket, LogText objectName, long? generation, LogText format, LogText action, LogText failureKind, int statusCode, long elapsedMs);

    [LoggerMessage(1003, LogLevel.Warning, "Push {MessageId} for {Bucket}/{ObjectName} reached its deadline ({DeadlineSeconds} s ack deadline less the safety margin); the work was cancelled and answered 503")]
    public static partial void PushDeadlineReached(ILogger logger, LogText messageId, LogText bucket, LogText objectName, double deadlineSeconds);

    [LoggerMessage(1004, LogLevel.Warning, "Request refused with 503: the host is shutting down")]
    public static partial void RefusedWhileStopping(ILogger logger);

    [LoggerMessage(1005, LogLevel.Warning, "Push request body is larger than {Limit} bytes; answered 413")]
    public static partial void PushTooLarge(ILogger logger, long limit);

    [LoggerMessage(1010, LogLevel.Warning, "Push token rejected ({StatusCode}): {Reason}")]
    public static partial void TokenRejected(ILogger logger, int statusCode, LogText reason);

    [LoggerMessage(1011, LogLevel.Error, "Push token could not be verified: the signing keys at {CertificatesUrl} are unreachable; answered 503")]
    public static partial void SigningKeysUnavailable(ILogger logger, LogText certificatesUrl, Exception exception);

    [LoggerMessage(1012, LogLevel.Warning, "Push token could not be read ({ExceptionType}); answered 401")]
    public static partial void TokenUnreadable(ILogger logger, LogText exceptionType);

    [LoggerMessage(1013, LogLevel.Information, "Push endpoint {Pattern}: authentication GoogleOidc; tokens must be RS256 from {Issuers}, audience {Audience}, service account {ServiceAccounts}")]
    public static partial void AuthenticationGoogleOidc(ILogger logger, LogText pattern, LogText issuers, LogText audience, LogText serviceAccounts);

    [LoggerMessage(1014, LogLevel.Information, "Push endpoint {Pattern}: authentication Platform; this endpoint verifies no token: the platform in front of it must (for example Cloud Run deployed with --no-allow-unauthenticated, roles/run.invoker only for the push service account)")]
    public static partial void AuthenticationPlatform(ILogger logger, LogText pattern);

    [LoggerMessage(1015, LogLevel.Warning, "Push endpoint {Pattern}: authentication None; nobody verifies who sends pushes: anyone who can reach this endpoint can have objects converted. Only for a private network no one else can reach")]
    public static partial void AuthenticationNone(ILogger logger, LogText pattern);

    [LoggerMessage(1016, LogLevel.Warning, "Push endpoint {Pattern}: {Setting} is not set; running without authentication because this is the Development environment. Outside Development the host does not start without a choice (GoogleOidc, Platform or None)")]
    public static partial void AuthenticationNotChosen(ILogger logger, LogText pattern, LogText setting);

    [LoggerMessage(1020, LogLevel.Information, "Convert request ({Format}, {Bytes} bytes) answered {StatusCode} after {ElapsedMs} ms")]
    public static partial void ConvertHandled(ILogger logger, LogText format, long bytes, int statusCode, long elapsedMs);

    [LoggerMessage(1021, LogLevel.Warning, "Convert request failed: {FailureKind}: {Reason}; answered {StatusCode}")]
    public static partial void ConvertFailed(ILogger logger, LogText failureKind, LogText reason, int statusCode);

    [LoggerMessage(1023, LogLevel.Warning, "Convert request turned away before its body was read: all {Capacity} conversion places are taken; answered 429")]
    public static partial void ConvertBusy(ILogger logger, int capacity);

    [LoggerMessage(1022, LogLevel.Error, "Convert request failed unexpectedly; answered 500")]
    public static partial void ConvertCrashed(ILogger logger, Exception exception);

    [LoggerMessage(1030, LogLevel.Information, "Host stopping: {InFlight} request(s) in flight get {GraceSeconds} s to finish, then are cancelled and answered 503")]
    public static partial void Draining(ILogger logger, int inFlight, double graceSeconds);
}
