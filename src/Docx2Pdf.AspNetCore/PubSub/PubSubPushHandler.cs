using Docx2Pdf.AspNetCore.Authentication;
using Docx2Pdf.AspNetCore.Hosting;
using Docx2Pdf.Notifications;
using Docx2Pdf.Pipeline;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Docx2Pdf.AspNetCore.PubSub;

/// <summary>
/// The push endpoint: reads one storage event from whichever shape arrived, hands it to the pipeline under the ack
/// deadline, and translates the outcome into the status Pub/Sub acts on. It decides no policy of its own.
/// </summary>
internal sealed class PubSubPushHandler(
    IConversionPipeline pipeline,
    PubSubPushOptions options,
    ShutdownCoordinator shutdown,
    TimeProvider timeProvider,
    ILogger logger)
{
    private readonly PushTokenVerifier? _verifier =
        PubSubPushOptionsValidator.EffectiveMode(options) == PushAuthentication.GoogleOidc ? new PushTokenVerifier(options.GoogleOidc, logger) : null;
    private readonly TimeSpan _workBudget = options.AckDeadline - PubSubPushOptionsValidator.EffectiveMargin(options);

    /// <summary>Says at start who authenticates the pushes this endpoint accepts (a warning when nobody does).</summary>
    public void LogAuthentication(string pattern)
    {
        switch (options.Authentication)
        {
            case PushAuthentication.GoogleOidc:
                Log.AuthenticationGoogleOidc(logger, pattern, string.Join(", ", options.GoogleOidc.Issuers), options.GoogleOidc.Audience ?? string.Empty, string.Join(", ", options.GoogleOidc.AllowedServiceAccounts));
                break;
            case PushAuthentication.Platform:
                Log.AuthenticationPlatform(logger, pattern);
                break;
            case PushAuthentication.None:
                Log.AuthenticationNone(logger, pattern);
                break;
            default:
                Log.AuthenticationNotChosen(logger, pattern, PubSubPushOptions.SectionName + ":Authentication");
                break;
        }
    }

    public async Task HandleAsync(HttpContext context)
    {
        var started = timeProvider.GetTimestamp();
        if (shutdown.IsStopping)
        {
            Log.RefusedWhileStopping(logger);
            context.Response.Headers.Connection = "close";
            await Problems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, Problems.Unavailable, "Shutting down", "This instance is shutting down; retry on another.", retryAfter: TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            return;
        }

        using var inFlight = shutdown.Enter();
        try
        {
            await HandleCoreAsync(context, started).ConfigureAwait(false);
        }
        catch (Exception ex) when (RequestBody.IsTooLarge(ex))
        {
            Log.PushTooLarge(logger, options.MaxRequestBodySize);
            await WriteTooLargeAsync(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away (Pub/Sub gave up on this delivery): nobody reads the answer; it redelivers.
        }
        catch (Exception ex)
        {
            Log.PushFailed(logger, ex);
            await Problems.WriteAsync(context, StatusCodes.Status500InternalServerError, Problems.Internal, "Internal error", "The event could not be processed; it will be redelivered.").ConfigureAwait(false);
        }
    }

    private async Task HandleCoreAsync(HttpContext context, long started)
    {
        var request = context.Request;
        if (_verifier is not null)
        {
            var verdict = await _verifier.VerifyAsync(request, context.RequestAborted).ConfigureAwait(false);
            if (!verdict.IsAccepted)
            {
                PushTokenVerifier.Challenge(context.Response, verdict);
                var (type, title) = verdict.StatusCode switch
                {
                    StatusCodes.Status401Unauthorized => (Problems.Unauthorized, "Unauthenticated"),
                    StatusCodes.Status403Forbidden => (Problems.Forbidden, "Forbidden"),
                    _ => (Problems.Retry, "Retry later"),
                };
                await Problems.WriteAsync(context, verdict.StatusCode, type, title, verdict.Reason).ConfigureAwait(false);
                return;
            }
        }

        if (!RequestBody.ApplyLimit(context, options.MaxRequestBodySize))
        {
            Log.PushTooLarge(logger, options.MaxRequestBodySize);
            await WriteTooLargeAsync(context).ConfigureAwait(false);
            return;
        }

        var body = await RequestBody.ReadSmallAsync(request, options.MaxRequestBodySize, context.RequestAborted).ConfigureAwait(false);
        if (body is null)
        {
            Log.PushTooLarge(logger, options.MaxRequestBodySize);
            await WriteTooLargeAsync(context).ConfigureAwait(false);
            return;
        }

        var format = PushFormatReader.Detect(request);
        StorageEvent storageEvent;
        try
        {
            storageEvent = PushFormatReader.Read(format, request, body.Value.Span);
        }
        catch (InvalidMessageException ex)
        {
            await AnswerInvalidAsync(context, format, ex).ConfigureAwait(false);
            return;
        }

        // The ack deadline runs from when Pub/Sub sent the request; keep a margin so the 503 arrives before it passes.
        var remaining = _workBudget - timeProvider.GetElapsedTime(started);
        using var deadline = new CancellationTokenSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, timeProvider);
        using var work = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, shutdown.Drain, context.RequestAborted);

        ConversionOutcome outcome;
        try
        {
            outcome = await pipeline.ProcessAsync(storageEvent, work.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (work.IsCancellationRequested)
        {
            // The contract says cancellation comes back as an outcome; should an implementation throw, it means the same.
            outcome = ConversionOutcome.Failed(FailureKind.Interrupted, "The work was cancelled before it finished.");
        }

        if (deadline.IsCancellationRequested && !outcome.ShouldAcknowledge)
        {
            Log.PushDeadlineReached(logger, storageEvent.MessageId, storageEvent.Bucket, storageEvent.ObjectName, _workBudget.TotalSeconds);
        }

        var status = OutcomeStatus.From(outcome);
        Log.PushHandled(
            logger,
            storageEvent.MessageId,
            storageEvent.Bucket,
            storageEvent.ObjectName,
            storageEvent.Generation,
            PushFormatReader.Label(format),
            outcome.Status.ToString(),
            outcome.FailureKind is { } kind ? " (" + kind.ToLabel() + ")" : string.Empty,
            status.StatusCode,
            (long)timeProvider.GetElapsedTime(started).TotalMilliseconds);

        if (status.StatusCode < 300)
        {
            status.Apply(context.Response);
            return;
        }

        await Problems.WriteAsync(
            context,
            status.StatusCode,
            Problems.Retry,
            status.StatusCode == StatusCodes.Status429TooManyRequests ? "Converter busy" : "Try again later",
            outcome.Detail,
            new Dictionary<string, object?> { ["failureKind"] = outcome.FailureKind?.ToLabel() },
            status.RetryAfter).ConfigureAwait(false);
    }

    private async Task AnswerInvalidAsync(HttpContext context, PushFormat format, InvalidMessageException ex)
    {
        var label = PushFormatReader.Label(format);
        if (options.AcknowledgeInvalidMessages)
        {
            Log.PushInvalidAcknowledged(logger, label, ex.Field, ex.Message);
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        Log.PushInvalid(logger, label, ex.Field, ex.Message, StatusCodes.Status400BadRequest);

        // The reader's messages name the field and what was expected; they never carry document content or paths.
        await Problems.WriteAsync(
            context,
            StatusCodes.Status400BadRequest,
            Problems.InvalidMessage,
            "Not a storage event",
            ex.Message,
            new Dictionary<string, object?> { ["field"] = ex.Field, ["format"] = label }).ConfigureAwait(false);
    }

    private Task WriteTooLargeAsync(HttpContext context) =>
        Problems.WriteAsync(
            context,
            StatusCodes.Status413PayloadTooLarge,
            Problems.TooLarge,
            "Request too large",
            $"The body exceeds {options.MaxRequestBodySize} bytes ({PubSubPushOptions.SectionName}:MaxRequestBodySize); a storage event is a few kilobytes.");
}
