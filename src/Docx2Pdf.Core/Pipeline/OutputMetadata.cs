namespace Docx2Pdf.Pipeline;

/// <summary>
/// The custom metadata Docx2Pdf attaches to every object it writes. It makes redelivered and out-of-order events
/// idempotent (a PDF names the source generation it was made from) and keeps the pipeline from converting its own output.
/// </summary>
public static class OutputMetadata
{
    /// <summary>Present on every object this library writes; its value is <see cref="PdfMarker"/>, <see cref="FailureRecordMarker"/> or <see cref="EngineFailuresMarker"/>.</summary>
    public const string MarkerKey = "docx2pdf-output";

    /// <summary>The <see cref="MarkerKey"/> value of a PDF.</summary>
    public const string PdfMarker = "pdf";

    /// <summary>The <see cref="MarkerKey"/> value of a failure record.</summary>
    public const string FailureRecordMarker = "failure-record";

    /// <summary>
    /// The <see cref="MarkerKey"/> value of the object that counts a document's engine failures (see
    /// <see cref="Docx2PdfOptions.MaxEngineFailures"/>); it sits beside the failure records.
    /// </summary>
    public const string EngineFailuresMarker = "engine-failures";

    /// <summary>The bucket of the source document.</summary>
    public const string SourceBucketKey = "docx2pdf-source-bucket";

    /// <summary>The object name of the source document.</summary>
    public const string SourceObjectKey = "docx2pdf-source-object";

    /// <summary>The generation of the source document, in decimal.</summary>
    public const string SourceGenerationKey = "docx2pdf-source-generation";
}
