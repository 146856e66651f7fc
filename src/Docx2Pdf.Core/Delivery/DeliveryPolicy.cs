using Docx2Pdf.Diagnostics;
using Docx2Pdf.Notifications;
using Docx2Pdf.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.Delivery;

/// <summary>
/// The single place that turns whatever reaches an adapter (a message that is no storage event, a pipeline outcome, a
/// cancellation, an unexpected exception) into a <see cref="DeliveryDecision"/>, with its log line and metric. The push
/// endpoint and the pull subscriber only translate the decision (HTTP status and Retry-After; ack or modifyAckDeadline),
/// so the same case ends the same way, at the same log level, whichever way it was delivered.
/// </summary>
internal sealed class DeliveryPolicy
{
    private const string CancelledDetail = "The work was cancelled before it finished.";
    private const string UnexpectedDetail = "The event could not be processed; it will be redelivered.";

    private readonly IOptionsMonitor<Docx2PdfOptions> _options;
    private readonly PipelineMetrics _metrics;
    private readonly ILogger _logger;

    public DeliveryPolicy(IOptionsMonitor<Docx2PdfOptions> options, PipelineMetrics metrics, ILogger<DeliveryPolicy> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>A delivery that is no storage event: acknowledged or rejected as <see cref="Docx2PdfOptions.InvalidMessages"/> says; always logged at Error and counted.</summary>
    /// <param name="exception">What the reader found wrong.</param>
    /// <param name="source">Where it came from: the subscription, or the push shape.</param>
    /// <param name="messageId">The message id, when it could be read.</param>
    /// <param name="deliveryAttempt">Pub/Sub's delivery attempt, when known.</param>
    public DeliveryDecision ForInvalidMessage(InvalidMessageException exception, string source, string? messageId, int? deliveryAttempt)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var reject = _options.CurrentValue.InvalidMessages == InvalidMessageHandling.Reject;
        _metrics.RecordInvalidMessage();
        Log.InvalidMessage(_logger, messageId, source, deliveryAttempt, exception.Field, exception.Message, reject ? "rejected" : "acknowledged");
        return reject
            ? DeliveryDecision.Reject(exception.Field, exception.Message)
            : DeliveryDecision.Acknowledge(FailureKind.InvalidMessage, exception.Message);
    }

    /// <summary>The pipeline's outcome: acknowledge unless a retry can help; a retry always carries a delay.</summary>
    /// <param name="storageEvent">The event.</param>
    /// <param name="outcome">How the pipeline ended it.</param>
    /// <param name="source">Where it came from.</param>
    /// <param name="hostStopping">This host is going away: a retry should go to another worker at once.</param>
    public DeliveryDecision ForOutcome(StorageEvent storageEvent, ConversionOutcome outcome, string source, bool hostStopping = false)
    {
        ArgumentNullException.ThrowIfNull(storageEvent);
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.ShouldAcknowledge)
        {
            Log.DeliveryAcknowledged(_logger, storageEvent.MessageId, source, storageEvent.Bucket, storageEvent.ObjectName, outcome.Status, outcome.FailureKind?.ToLabel());
            return DeliveryDecision.Acknowledge(outcome.FailureKind, outcome.Detail);
        }

        var kind = outcome.FailureKind ?? FailureKind.StorageTransient;
        var delay = hostStopping ? TimeSpan.Zero : outcome.RetryAfter ?? kind.SuggestedRetryDelay();
        Log.DeliveryRetried(_logger, storageEvent.MessageId, source, storageEvent.Bucket, storageEvent.ObjectName, storageEvent.DeliveryAttempt, kind.ToLabel(), delay.TotalSeconds);
        return DeliveryDecision.Retry(kind, delay, outcome.Detail);
    }

    /// <summary>The work was cancelled (deadline, shutdown) and the pipeline threw instead of reporting it: the same as an <see cref="FailureKind.Interrupted"/> outcome.</summary>
    public DeliveryDecision ForCancellation(StorageEvent storageEvent, string source, bool hostStopping) =>
        ForOutcome(storageEvent, ConversionOutcome.Failed(FailureKind.Interrupted, CancelledDetail), source, hostStopping);

    /// <summary>Something threw that should have been an outcome (a bug): retried, logged at Error with the exception.</summary>
    /// <param name="exception">What was thrown.</param>
    /// <param name="source">Where the delivery came from.</param>
    /// <param name="messageId">The message id, when known.</param>
    public DeliveryDecision ForUnexpected(Exception exception, string source, string? messageId)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var delay = FailureKind.StorageTransient.SuggestedRetryDelay();
        Log.DeliveryFailedUnexpectedly(_logger, messageId, source, delay.TotalSeconds, exception);
        return DeliveryDecision.Retry(FailureKind.StorageTransient, delay, UnexpectedDetail);
    }
}
