namespace Docx2Pdf;

/// <summary>
/// Base of every failure this library reports. Catch this type to handle all of them; read
/// <see cref="Kind"/> to learn what happened and <see cref="IsTransient"/> to learn whether a retry can help.
/// Messages never contain document content, credentials or server paths, and control or bidirectional characters of
/// the names they quote are escaped (<c>\uXXXX</c>).
/// </summary>
public abstract class Docx2PdfException : Exception
{
    // Messages name objects and buckets, which are user-controlled: escaped once here, so no message can forge a log
    // line or a problem-details answer wherever it ends up.
    private protected Docx2PdfException(FailureKind kind, string message, Exception? innerException)
        : base(LogText.Escape(message ?? string.Empty), innerException)
    {
        Kind = kind;
    }

    /// <summary>What went wrong; also the label of the failure metrics.</summary>
    public FailureKind Kind { get; }

    /// <summary><see langword="true"/> when a later attempt of the same work can succeed.</summary>
    public bool IsTransient => Kind.IsTransient();

    private protected static FailureKind Require(FailureKind kind, params FailureKind[] allowed)
    {
        if (Array.IndexOf(allowed, kind) < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, $"Allowed kinds: {string.Join(", ", allowed)}.");
        }

        return kind;
    }
}

/// <summary>The delivery is not a storage event this library understands. <see cref="Field"/> names the offending part.</summary>
public sealed class InvalidMessageException : Docx2PdfException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="field">The offending field, for example <c>message.data</c> or <c>bucketId</c>.</param>
    /// <param name="message">What is wrong and, where useful, what a valid message looks like.</param>
    /// <param name="innerException">The underlying parse error, if any.</param>
    public InvalidMessageException(string field, string message, Exception? innerException = null)
        : base(FailureKind.InvalidMessage, message, innerException)
    {
        Field = field;
    }

    /// <summary>The offending field, for example <c>message.data</c>.</summary>
    public string Field { get; }
}

/// <summary>
/// The document cannot be converted as it is: corrupt, not of its declared type, password-protected,
/// of a format that is not enabled, or over a size or safety limit. A retry cannot help.
/// </summary>
public sealed class DocumentRejectedException : Docx2PdfException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">One of <see cref="FailureKind.InvalidDocument"/>, <see cref="FailureKind.PasswordProtected"/>,
    /// <see cref="FailureKind.UnsupportedFormat"/> or <see cref="FailureKind.DocumentTooLarge"/>.</param>
    /// <param name="message">Why the document was rejected.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public DocumentRejectedException(FailureKind kind, string message, Exception? innerException = null)
        : base(Require(kind, FailureKind.InvalidDocument, FailureKind.PasswordProtected, FailureKind.UnsupportedFormat, FailureKind.DocumentTooLarge), message, innerException)
    {
    }
}

/// <summary>The conversion did not finish within the execution timeout. The instance was killed and replaced.</summary>
public sealed class ConversionTimeoutException : Docx2PdfException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="timeout">The timeout that passed.</param>
    public ConversionTimeoutException(TimeSpan timeout)
        : base(FailureKind.ConversionTimeout, $"The conversion did not finish within {timeout.TotalSeconds:0.###} s; the LibreOffice instance was restarted. Raise Docx2Pdf:LibreOffice:ConversionTimeout if such documents are expected.", null)
    {
        Timeout = timeout;
    }

    /// <summary>The timeout that passed.</summary>
    public TimeSpan Timeout { get; }
}

/// <summary>
/// The engine failed: the LibreOffice instance crashed (<see cref="FailureKind.EngineCrashed"/>, transient), went past
/// its memory cap (<see cref="FailureKind.TooComplex"/>, transient) or produced no valid PDF
/// (<see cref="FailureKind.ConversionFailed"/>, permanent).
/// </summary>
public sealed class ConversionFailedException : Docx2PdfException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind"><see cref="FailureKind.EngineCrashed"/>, <see cref="FailureKind.TooComplex"/> or <see cref="FailureKind.ConversionFailed"/>.</param>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public ConversionFailedException(FailureKind kind, string message, Exception? innerException = null)
        : base(Require(kind, FailureKind.EngineCrashed, FailureKind.TooComplex, FailureKind.ConversionFailed), message, innerException)
    {
    }
}

/// <summary>Every converter instance is busy and the wait queue is full, or the queue timeout passed. Retry later.</summary>
public sealed class ConverterBusyException : Docx2PdfException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Why the request was turned away.</param>
    public ConverterBusyException(string message)
        : base(FailureKind.ConverterBusy, message, null)
    {
    }
}

/// <summary>An object store call failed. <see cref="Docx2PdfException.Kind"/> says how.</summary>
public sealed class StorageException : Docx2PdfException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">One of <see cref="FailureKind.StorageNotFound"/>, <see cref="FailureKind.StoragePreconditionFailed"/>,
    /// <see cref="FailureKind.StorageTransient"/> or <see cref="FailureKind.StoragePermanent"/>.</param>
    /// <param name="message">What failed, naming bucket and object but never credentials.</param>
    /// <param name="innerException">The client's exception, if any.</param>
    public StorageException(FailureKind kind, string message, Exception? innerException = null)
        : base(Require(kind, FailureKind.StorageNotFound, FailureKind.StoragePreconditionFailed, FailureKind.StorageTransient, FailureKind.StoragePermanent), message, innerException)
    {
    }
}
