using Docx2Pdf.Notifications;

namespace Docx2Pdf.Pipeline;

/// <summary>Turns one storage event into exactly one PDF or one recorded, explained failure.</summary>
public interface IConversionPipeline
{
    /// <summary>Decides what the event asks for, does it, and says how it ended.</summary>
    /// <param name="storageEvent">The event.</param>
    /// <param name="cancellationToken">Cancels the work (deadline, shutdown): the outcome is then a transient <see cref="FailureKind.Interrupted"/>.</param>
    /// <returns>The outcome; this method reports failures through it and does not throw them.</returns>
    Task<ConversionOutcome> ProcessAsync(StorageEvent storageEvent, CancellationToken cancellationToken = default);
}

/// <summary>How an event ended.</summary>
public enum ConversionStatus
{
    /// <summary>A PDF was written.</summary>
    Converted,

    /// <summary>The event asks for no work (<see cref="ConversionOutcome.IgnoreReason"/> says why).</summary>
    Ignored,

    /// <summary>The PDF for this generation (or a newer one) already exists.</summary>
    Duplicate,

    /// <summary>The document can never be converted; a failure record was written. Acknowledge.</summary>
    FailedPermanently,

    /// <summary>A later attempt can succeed; nothing was recorded. Retry after <see cref="ConversionOutcome.RetryAfter"/>.</summary>
    FailedTransiently,
}

/// <summary>Why an event asked for no work.</summary>
public enum IgnoreReason
{
    /// <summary>Not an <c>OBJECT_FINALIZE</c> event.</summary>
    NotFinalize,

    /// <summary>The object's extension is not enabled.</summary>
    ExtensionNotEnabled,

    /// <summary>The object is an output or a failure record of this library (loop guard).</summary>
    OwnOutput,

    /// <summary>The object is empty.</summary>
    EmptyObject,

    /// <summary>The object exceeds the size limit.</summary>
    TooLarge,

    /// <summary>A newer generation of the object exists; the event is stale.</summary>
    StaleGeneration,

    /// <summary>The object no longer exists.</summary>
    ObjectGone,

    /// <summary>The object name cannot be mapped to an output name (for example it would escape the output prefix).</summary>
    UnsafeName,

    /// <summary>The event names a bucket that is not in <c>Docx2Pdf:InputBuckets</c>; nothing was read from it.</summary>
    BucketNotAllowed,
}

/// <summary>
/// The outcome of one event: the only thing adapters read to decide acknowledge versus retry. Made only by its factories,
/// so every outcome is consistent (a failure has a kind, a transient failure a delay, a conversion an output).
/// </summary>
public sealed record ConversionOutcome
{
    private ConversionOutcome(ConversionStatus status)
    {
        Status = status;
    }

    /// <summary>How it ended.</summary>
    public ConversionStatus Status { get; }

    /// <summary>Why it was ignored, for <see cref="ConversionStatus.Ignored"/>.</summary>
    public IgnoreReason? IgnoreReason { get; private init; }

    /// <summary>The failure kind, for the two failed statuses.</summary>
    public FailureKind? FailureKind { get; private init; }

    /// <summary>A short explanation safe to log and to return to a caller (no content, paths or secrets).</summary>
    public string? Detail { get; private init; }

    /// <summary>For <see cref="ConversionStatus.FailedTransiently"/>: how long to wait before retrying; never <see langword="null"/> then.</summary>
    public TimeSpan? RetryAfter { get; private init; }

    /// <summary>The output bucket, for <see cref="ConversionStatus.Converted"/> and <see cref="ConversionStatus.Duplicate"/>.</summary>
    public string? OutputBucket { get; private init; }

    /// <summary>The output object name, for <see cref="ConversionStatus.Converted"/> and <see cref="ConversionStatus.Duplicate"/>.</summary>
    public string? OutputObject { get; private init; }

    /// <summary><see langword="true"/> unless a retry can help: the message should be acknowledged.</summary>
    public bool ShouldAcknowledge => Status != ConversionStatus.FailedTransiently;

    /// <summary>A converted outcome.</summary>
    /// <param name="bucket">The output bucket.</param>
    /// <param name="objectName">The output object.</param>
    public static ConversionOutcome Converted(string bucket, string objectName) =>
        new(ConversionStatus.Converted) { OutputBucket = bucket, OutputObject = objectName };

    /// <summary>A duplicate outcome.</summary>
    /// <param name="bucket">The output bucket.</param>
    /// <param name="objectName">The output object that already exists.</param>
    public static ConversionOutcome Duplicate(string bucket, string objectName) =>
        new(ConversionStatus.Duplicate) { OutputBucket = bucket, OutputObject = objectName };

    /// <summary>An ignored outcome.</summary>
    /// <param name="reason">Why.</param>
    /// <param name="detail">A short explanation.</param>
    public static ConversionOutcome Ignored(IgnoreReason reason, string detail) =>
        new(ConversionStatus.Ignored) { IgnoreReason = reason, Detail = detail };

    /// <summary>A failed outcome; transient or permanent as <paramref name="kind"/> decides.</summary>
    /// <param name="kind">The failure kind.</param>
    /// <param name="detail">A short explanation.</param>
    /// <param name="retryAfter">For transient kinds, the delay; the default is <see cref="FailureKindExtensions.SuggestedRetryDelay(FailureKind)"/>.</param>
    public static ConversionOutcome Failed(FailureKind kind, string detail, TimeSpan? retryAfter = null) =>
        kind.IsTransient()
            ? new(ConversionStatus.FailedTransiently) { FailureKind = kind, Detail = detail, RetryAfter = retryAfter ?? kind.SuggestedRetryDelay() }
            : new(ConversionStatus.FailedPermanently) { FailureKind = kind, Detail = detail };

    /// <summary>A retryable failure that ran out of retries: permanent, recorded, acknowledged.</summary>
    internal static ConversionOutcome GaveUp(FailureKind kind, string detail) =>
        new(ConversionStatus.FailedPermanently) { FailureKind = kind, Detail = detail };

    /// <summary>The same outcome with another explanation.</summary>
    internal ConversionOutcome WithDetail(string detail) => this with { Detail = detail };
}
