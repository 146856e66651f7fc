using Docx2Pdf.Pipeline;
using Microsoft.Extensions.Logging;

namespace Docx2Pdf;

// Delivery decisions: 500-519. The same case is logged by the same line whichever adapter delivered it.
internal static partial class Log
{
    [LoggerMessage(500, LogLevel.Error, "Message {MessageId} from {Source} (delivery attempt {DeliveryAttempt}) is not a storage event ({Field}: {Reason}); {Action} as Docx2Pdf:InvalidMessages says.")]
    public static partial void InvalidMessage(ILogger logger, LogText messageId, LogText source, int? deliveryAttempt, LogText field, LogText reason, LogText action);

    [LoggerMessage(501, LogLevel.Debug, "Message {MessageId} from {Source} for gs://{Bucket}/{ObjectName} acknowledged: {Status} {FailureKind}.")]
    public static partial void DeliveryAcknowledged(ILogger logger, LogText messageId, LogText source, LogText bucket, LogText objectName, ConversionStatus status, LogText failureKind);

    [LoggerMessage(502, LogLevel.Information, "Message {MessageId} from {Source} for gs://{Bucket}/{ObjectName} (delivery attempt {DeliveryAttempt}) handed back for a retry in {RetryAfterSeconds} s: {FailureKind}.")]
    public static partial void DeliveryRetried(ILogger logger, LogText messageId, LogText source, LogText bucket, LogText objectName, int? deliveryAttempt, LogText failureKind, double retryAfterSeconds);

    [LoggerMessage(503, LogLevel.Error, "Message {MessageId} from {Source} could not be processed: an exception escaped where an outcome was expected; handed back for a retry in {RetryAfterSeconds} s.")]
    public static partial void DeliveryFailedUnexpectedly(ILogger logger, LogText messageId, LogText source, double retryAfterSeconds, Exception exception);
}
