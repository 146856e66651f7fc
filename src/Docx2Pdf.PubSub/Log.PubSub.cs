using Microsoft.Extensions.Logging;

namespace Docx2Pdf.PubSub;

// Event ids 2000-2099 belong to the Pub/Sub pull subscriber.
internal static partial class Log
{
    [LoggerMessage(2000, LogLevel.Information, "Pulling from {Subscription} at {Endpoint}: at most {MaxOutstanding} messages held, {MaxConcurrent} conversions at once, ack deadline {AckDeadlineSeconds} s")]
    public static partial void SubscriberStarted(ILogger logger, LogText subscription, Uri endpoint, int maxOutstanding, int maxConcurrent, int ackDeadlineSeconds);

    [LoggerMessage(2001, LogLevel.Information, "Stopped pulling from {Subscription}")]
    public static partial void SubscriberStopped(ILogger logger, LogText subscription);

    [LoggerMessage(2002, LogLevel.Warning, "Pull from {Subscription} failed ({Consecutive} in a row); next try in {DelayMs} ms")]
    public static partial void PullFailed(ILogger logger, LogText subscription, int consecutive, double delayMs, Exception exception);

    [LoggerMessage(2003, LogLevel.Error, "Pull from {Subscription} was refused: HTTP {StatusCode} {Status}. {Advice} Next try in {DelayMs} ms")]
    public static partial void PullRefused(ILogger logger, LogText subscription, int statusCode, LogText status, LogText advice, double delayMs);

    [LoggerMessage(2004, LogLevel.Information, "Pulling from {Subscription} works again after {Failures} failed pulls")]
    public static partial void PullRecovered(ILogger logger, LogText subscription, int failures);

    [LoggerMessage(2005, LogLevel.Debug, "Received {Count} messages from {Subscription}")]
    public static partial void Received(ILogger logger, int count, LogText subscription);

    [LoggerMessage(2011, LogLevel.Debug, "Message {MessageId}: {Action} sent to {Subscription}")]
    public static partial void Settled(ILogger logger, LogText messageId, LogText action, LogText subscription);

    [LoggerMessage(2014, LogLevel.Warning, "{Operation} of {Count} messages on {Subscription} failed; Pub/Sub will deliver them again after their ack deadline")]
    public static partial void AckCallFailed(ILogger logger, LogText operation, int count, LogText subscription, Exception exception);

    [LoggerMessage(2020, LogLevel.Warning, "Extending the leases of {Count} messages on {Subscription} failed; they may be delivered again")]
    public static partial void LeaseExtensionFailed(ILogger logger, int count, LogText subscription, Exception exception);

    [LoggerMessage(2022, LogLevel.Debug, "{Count} messages handed back while their lease was being extended were handed back again (ack deadline {Seconds} s)")]
    public static partial void HandBackRepeated(ILogger logger, int count, int seconds);

    [LoggerMessage(2021, LogLevel.Warning, "Message {MessageId} has been held for {HeldSeconds} s, over Docx2Pdf:PubSub:Pull:MaxLeaseDuration; its lease is no longer extended and Pub/Sub will deliver it again")]
    public static partial void LeaseExpired(ILogger logger, LogText messageId, double heldSeconds);

    [LoggerMessage(2030, LogLevel.Information, "Stopping: {Count} messages that had not started handed back")]
    public static partial void NackedOnStop(ILogger logger, int count);

    [LoggerMessage(2031, LogLevel.Warning, "Stopping: the shutdown timeout passed; cancelling {Count} conversions in progress, their messages are handed back")]
    public static partial void AbortingOnStop(ILogger logger, int count);
}
