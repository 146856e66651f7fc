namespace Docx2Pdf.Conversion;

/// <summary>Converts one document to PDF. Implementations are thread-safe and may run conversions in parallel.</summary>
public interface IDocumentConverter
{
    /// <summary>Reads a document from <paramref name="input"/> and writes the PDF to <paramref name="output"/>.</summary>
    /// <param name="input">The document. It is read to its end; it is not disposed.</param>
    /// <param name="output">Receives the PDF; it is not disposed. Nothing is written unless the conversion succeeds.</param>
    /// <param name="options">Per-call options; <see langword="null"/> means <see cref="PdfConversionOptions.Default"/>.</param>
    /// <param name="cancellationToken">Cancels the wait and the conversion.</param>
    /// <returns>Facts about the finished conversion.</returns>
    /// <exception cref="Docx2PdfException">A typed failure; its <see cref="Docx2PdfException.Kind"/> says whether a retry can help.</exception>
    Task<ConversionResult> ConvertAsync(Stream input, Stream output, PdfConversionOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Converts the document at <paramref name="inputPath"/> and writes the PDF to <paramref name="outputPath"/>.</summary>
    /// <param name="inputPath">The document's path.</param>
    /// <param name="outputPath">Where the PDF is written; it exists only if the conversion succeeds.</param>
    /// <param name="options">Per-call options; <see langword="null"/> means <see cref="PdfConversionOptions.Default"/>.</param>
    /// <param name="cancellationToken">Cancels the wait and the conversion.</param>
    /// <returns>Facts about the finished conversion.</returns>
    /// <exception cref="Docx2PdfException">A typed failure; its <see cref="Docx2PdfException.Kind"/> says whether a retry can help.</exception>
    Task<ConversionResult> ConvertAsync(string inputPath, string outputPath, PdfConversionOptions? options = null, CancellationToken cancellationToken = default);
}

/// <summary>The input formats the converter knows. Only <see cref="Docx"/> is enabled by default.</summary>
public enum InputFormat
{
    /// <summary>Office Open XML word processing (.docx), imported with LibreOffice's <c>MS Word 2007 XML</c> filter.</summary>
    Docx,

    /// <summary>Word 97-2003 (.doc).</summary>
    Doc,

    /// <summary>OpenDocument text (.odt).</summary>
    Odt,

    /// <summary>Rich Text Format (.rtf).</summary>
    Rtf,
}

/// <summary>PDF/A conformance of the output.</summary>
public enum PdfAConformance
{
    /// <summary>Plain PDF.</summary>
    None,

    /// <summary>PDF/A-1b.</summary>
    PdfA1b,

    /// <summary>PDF/A-2b.</summary>
    PdfA2b,

    /// <summary>PDF/A-3b.</summary>
    PdfA3b,
}

/// <summary>Per-call conversion options.</summary>
public sealed record PdfConversionOptions
{
    /// <summary>The defaults: a .docx, plain PDF, every page, no password.</summary>
    public static PdfConversionOptions Default { get; } = new();

    /// <summary>The declared type of the input; decides the forced import filter. The default value is <see cref="InputFormat.Docx"/>.</summary>
    public InputFormat Format { get; init; } = InputFormat.Docx;

    /// <summary>PDF/A conformance. The default value is <see cref="PdfAConformance.None"/>.</summary>
    public PdfAConformance PdfA { get; init; } = PdfAConformance.None;

    /// <summary>Pages to export, in LibreOffice's syntax (for example <c>1-3,5</c>). The default value is <see langword="null"/> (all pages).</summary>
    public string? PageRange { get; init; }

    /// <summary>Password that opens a protected document. The default value is <see langword="null"/>. Never logged.</summary>
    public string? Password { get; init; }
}

/// <summary>Facts about a finished conversion.</summary>
/// <param name="OutputBytes">Size of the PDF written.</param>
/// <param name="EngineDuration">Time LibreOffice spent loading and exporting, measured inside the instance.</param>
/// <param name="TotalDuration">Time of the whole call, from the call to the PDF written, including any queueing.</param>
public sealed record ConversionResult(long OutputBytes, TimeSpan EngineDuration, TimeSpan TotalDuration);
