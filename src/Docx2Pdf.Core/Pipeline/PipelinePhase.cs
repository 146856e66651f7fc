namespace Docx2Pdf.Pipeline;

/// <summary>Where in the pipeline an event is; an unexpected error during <see cref="Convert"/> counts as an engine failure, elsewhere as a storage failure.</summary>
internal enum PipelinePhase
{
    /// <summary>The decisions that need no I/O (event type, loop guard, extension, size, names).</summary>
    Triage,

    /// <summary>Reading the live source object's metadata.</summary>
    Metadata,

    /// <summary>Reading the existing output's metadata.</summary>
    OutputCheck,

    /// <summary>Downloading the exact source generation.</summary>
    Download,

    /// <summary>Converting with the document converter.</summary>
    Convert,

    /// <summary>Writing the PDF with a generation precondition.</summary>
    Upload,
}
