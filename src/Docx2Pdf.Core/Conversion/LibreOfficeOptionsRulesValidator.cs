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

        return new LibreOfficeOptionsRulesValidator().Validate(null, options);
    }

    public ValidateOptionsResult Validate(string? name, LibreOfficeOptions options)
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
        if (failures.Count == 0 && !string.IsNullOrWhiteSpace(options.WorkFolder))
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
