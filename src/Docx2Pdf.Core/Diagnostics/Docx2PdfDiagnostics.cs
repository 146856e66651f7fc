using System.Diagnostics;
using System.Reflection;

namespace Docx2Pdf.Diagnostics;

/// <summary>
/// The names under which Docx2Pdf publishes metrics and traces, for example
/// <c>builder.Services.AddOpenTelemetry().WithMetrics(m =&gt; m.AddMeter(Docx2PdfDiagnostics.MeterName))</c>.
/// </summary>
public static class Docx2PdfDiagnostics
{
    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> name: <c>Docx2Pdf</c>.</summary>
    public const string MeterName = "Docx2Pdf";

    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> name: <c>Docx2Pdf</c>.</summary>
    public const string ActivitySourceName = "Docx2Pdf";

    internal static readonly string? Version =
        typeof(Docx2PdfDiagnostics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

    /// <summary>One source for the whole library: one activity per event, with download, convert and upload children.</summary>
    internal static readonly ActivitySource ActivitySource = new(ActivitySourceName, Version);
}
