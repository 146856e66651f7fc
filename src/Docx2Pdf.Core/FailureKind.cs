namespace Docx2Pdf;

/// <summary>
/// The closed set of reasons a conversion can fail. The kind decides whether a retry can help
/// (<see cref="FailureKindExtensions.IsTransient(FailureKind)"/>) and is the label of every failure metric.
/// </summary>
public enum FailureKind
{
    /// <summary>The delivery is not a message this library understands (bad JSON, missing bucket, bad base64...). Never retried.</summary>
    InvalidMessage,

    /// <summary>The document is corrupt, not of its declared type, or exceeds a safety limit (zip bomb). Never retried.</summary>
    InvalidDocument,

    /// <summary>The document is password-protected and no password, or a wrong one, was supplied. Never retried.</summary>
    PasswordProtected,

    /// <summary>The document's format is not enabled for conversion. Never retried.</summary>
    UnsupportedFormat,

    /// <summary>The document exceeds the configured size limit. Never retried.</summary>
    DocumentTooLarge,

    /// <summary>LibreOffice loaded the document but produced no valid PDF. Never retried.</summary>
    ConversionFailed,

    /// <summary>The conversion did not finish within the execution timeout; the instance was killed and replaced. Retried.</summary>
    ConversionTimeout,

    /// <summary>The LibreOffice instance died during the conversion; it was replaced. Retried.</summary>
    EngineCrashed,

    /// <summary>Every converter instance was busy and the wait queue was full or its timeout passed. Retried (back-pressure).</summary>
    ConverterBusy,

    /// <summary>The object does not exist (or not at the requested generation).</summary>
    StorageNotFound,

    /// <summary>A write or delete precondition (generation match) did not hold.</summary>
    StoragePreconditionFailed,

    /// <summary>A storage call failed in a way that may succeed later (5xx, 429, network). Retried.</summary>
    StorageTransient,

    /// <summary>A storage call failed in a way a retry cannot fix (permission denied, no such bucket). Never retried.</summary>
    StoragePermanent,

    /// <summary>The work was cancelled before it finished (deadline or host shutdown). Retried.</summary>
    Interrupted,

    /// <summary>
    /// Rendering the document took LibreOffice past its memory cap (<c>Docx2Pdf:LibreOffice:InstanceMemoryLimitBytes</c>);
    /// the instance was killed and replaced. Retried, like a timeout: another attempt may run with more room.
    /// </summary>
    TooComplex,

    /// <summary>
    /// The output name is taken by an object Docx2Pdf did not write (no <see cref="Pipeline.OutputMetadata.MarkerKey"/>): it is
    /// left alone unless <c>Docx2Pdf:OverwriteForeignOutputs</c> is set. Never retried.
    /// </summary>
    OutputConflict,
}

/// <summary>The single place where a <see cref="FailureKind"/> decides acknowledge versus retry.</summary>
public static class FailureKindExtensions
{
    /// <summary>
    /// Returns <see langword="true"/> when the engine failed on the document itself (it ran out of time, crashed LibreOffice or
    /// took it past its memory cap): retryable, but counted per source generation toward <c>Docx2Pdf:MaxEngineFailures</c>.
    /// </summary>
    /// <param name="kind">The failure kind.</param>
    public static bool IsEngineFailure(this FailureKind kind) =>
        kind is FailureKind.ConversionTimeout or FailureKind.EngineCrashed or FailureKind.TooComplex;

    /// <summary>Returns <see langword="true"/> when a later attempt of the same work can succeed.</summary>
    /// <param name="kind">The failure kind.</param>
    public static bool IsTransient(this FailureKind kind) => kind switch
    {
        FailureKind.ConversionTimeout or
        FailureKind.EngineCrashed or
        FailureKind.TooComplex or
        FailureKind.ConverterBusy or
        FailureKind.StorageTransient or
        FailureKind.Interrupted => true,
        _ => false,
    };

    /// <summary>
    /// How long to wait before retrying work that failed with a transient <paramref name="kind"/>: short for back-pressure
    /// (a busy converter), long for a document that ran out of time, in between for crashes, storage and interruptions.
    /// Every adapter reports this delay (Retry-After, a pull message's new ack deadline).
    /// </summary>
    /// <param name="kind">The failure kind.</param>
    public static TimeSpan SuggestedRetryDelay(this FailureKind kind) => kind switch
    {
        FailureKind.ConverterBusy => TimeSpan.FromSeconds(5),
        FailureKind.ConversionTimeout or FailureKind.TooComplex => TimeSpan.FromSeconds(60),
        _ => TimeSpan.FromSeconds(15),
    };

    /// <summary>The stable, lower-case label used in metrics, logs and failure records (for example <c>password_protected</c>).</summary>
    /// <param name="kind">The failure kind.</param>
    public static string ToLabel(this FailureKind kind) => kind switch
    {
        FailureKind.InvalidMessage => "invalid_message",
        FailureKind.InvalidDocument => "invalid_document",
        FailureKind.PasswordProtected => "password_protected",
        FailureKind.UnsupportedFormat => "unsupported_format",
        FailureKind.DocumentTooLarge => "document_too_large",
        FailureKind.ConversionFailed => "conversion_failed",
        FailureKind.ConversionTimeout => "conversion_timeout",
        FailureKind.EngineCrashed => "engine_crashed",
        FailureKind.ConverterBusy => "converter_busy",
        FailureKind.StorageNotFound => "storage_not_found",
        FailureKind.StoragePreconditionFailed => "storage_precondition_failed",
        FailureKind.StorageTransient => "storage_transient",
        FailureKind.StoragePermanent => "storage_permanent",
        FailureKind.Interrupted => "interrupted",
        FailureKind.TooComplex => "too_complex",
        FailureKind.OutputConflict => "output_conflict",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
