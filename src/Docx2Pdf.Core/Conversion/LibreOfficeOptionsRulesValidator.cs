using Microsoft.Extensions.Options;

namespace Docx2Pdf.Conversion;

/// <summary>
/// The rules of <see cref="LibreOfficeOptions"/> data annotations cannot say (the memory cap's two ranges, the format list,
/// the installation); every message names the setting. The ranges are attributes, checked by <see cref="LibreOfficeOptionsValidator"/>.
/// </summary>
internal sealed class LibreOfficeOptionsRulesValidator : IValidateOptions<LibreOfficeOptions>
{
    private const string Prefix = LibreOfficeOptions.SectionName + ":";
    internal const long MinimumMemoryLimit = 256L * 1024 * 1024;

    /// <summary>Both validators' results: what <see cref="LibreOfficeConverter"/> checks when it is created without DI.</summary>
    internal static ValidateOptionsResult ValidateAll(LibreOfficeOptions options)
    {
        var attributes = new LibreOfficeOptionsValidator().Validate(null, options);
        if (attributes.Failed)
        {
            return attributes;
        }

        return Check(options, locateAlways: true);
    }

    // Through DI: the settings, and SofficePath when it is set. Finding an installation when none is configured is a fact of
    // the machine, not of the options: the converter checks it when it is created (at start, by the warm-up service),
    // so what only reads the options (admission, the fast test layer, a tool that prints the settings) runs without it.
    public ValidateOptionsResult Validate(string? name, LibreOfficeOptions options) => Check(options, locateAlways: false);

    private static ValidateOptionsResult Check(LibreOfficeOptions options, bool locateAlways)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.InstanceMemoryLimitBytes is not 0 and < MinimumMemoryLimit)
        {
            failures.Add($"{Prefix}{nameof(options.InstanceMemoryLimitBytes)} must be 0 (no cap) or at least {MinimumMemoryLimit} (256 MiB; LibreOffice needs about 150 MiB to start) (was {options.InstanceMemoryLimitBytes}).");
        }

        if (options.EnabledFormats is null || options.EnabledFormats.Count == 0)
        {
            failures.Add($"{Prefix}{nameof(options.EnabledFormats)} must name at least one format.");
        }

        // Locating LibreOffice reads the paths above; only worth it (and only a clear message) when they are sound.
        if (failures.Count == 0 && !string.IsNullOrWhiteSpace(options.WorkFolder) && (locateAlways || options.SofficePath is not null))
        {
            try
            {
                _ = LibreOfficeInstallation.Locate(options);
            }
            catch (InvalidOperationException ex)
            {
                failures.Add(ex.Message);
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
