using Microsoft.Extensions.Logging.Console;

namespace Docx2Pdf.Logging;

/// <summary>
/// Settings of the Cloud Logging console formatter (<see cref="CloudLoggingFormatterOptions.FormatterName"/>), bound from
/// <c>Logging:Console:FormatterOptions</c>.
/// </summary>
public sealed class CloudLoggingFormatterOptions : ConsoleFormatterOptions
{
    /// <summary>The console formatter's name, for <c>Logging:Console:FormatterName</c>: <c>cloud-logging</c>.</summary>
    public const string FormatterName = "cloud-logging";

    /// <summary>
    /// The Google Cloud project whose Cloud Trace the <c>logging.googleapis.com/trace</c> field points into
    /// (<c>projects/{ProjectId}/traces/{trace id}</c>). Without it, no trace field is written: Cloud Logging needs the project.
    /// The metadata server is not asked, so start-up stays fast and works anywhere.
    /// The default value is the <c>GOOGLE_CLOUD_PROJECT</c> environment variable, else <see langword="null"/>.
    /// </summary>
    public string? ProjectId { get; set; } = Environment.GetEnvironmentVariable("GOOGLE_CLOUD_PROJECT") is { Length: > 0 } project ? project : null;
}
