namespace Docx2Pdf.Conversion;

/// <summary>Why an instance was ended and replaced; the label of the restarts metric and of the recycle log line.</summary>
internal enum RecycleReason
{
    /// <summary>The instance died during a conversion.</summary>
    Crashed,

    /// <summary>A conversion exceeded the conversion timeout; the instance was killed.</summary>
    TimedOut,

    /// <summary>The caller cancelled a running conversion; a UNO call cannot be aborted, so the instance was killed.</summary>
    Cancelled,

    /// <summary>The instance was found dead while idle.</summary>
    FoundDead,

    /// <summary>Cold mode: every instance serves one conversion.</summary>
    ColdMode,

    /// <summary>LibreOffice kept fonts from a document (its embedded-font folder is not empty) that later documents would use.</summary>
    EmbeddedFonts,

    /// <summary>The instance reached the conversion count limit.</summary>
    ConversionCount,

    /// <summary>The instance's resident memory stayed above the recycle threshold after a conversion.</summary>
    Memory,

    /// <summary>A conversion took the instance past its memory cap; it was killed.</summary>
    MemoryCap,
}

/// <summary>Labels of <see cref="RecycleReason"/>.</summary>
internal static class RecycleReasonExtensions
{
    /// <summary>The stable, lower-case label (for example <c>embedded_fonts</c>).</summary>
    public static string ToLabel(this RecycleReason reason) => reason switch
    {
        RecycleReason.Crashed => "crashed",
        RecycleReason.TimedOut => "timed_out",
        RecycleReason.Cancelled => "cancelled",
        RecycleReason.FoundDead => "found_dead",
        RecycleReason.ColdMode => "cold_mode",
        RecycleReason.EmbeddedFonts => "embedded_fonts",
        RecycleReason.ConversionCount => "conversion_count",
        RecycleReason.Memory => "memory",
        RecycleReason.MemoryCap => "memory_cap",
        _ => "unknown",
    };
}
