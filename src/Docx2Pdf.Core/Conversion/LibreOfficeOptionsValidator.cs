using Microsoft.Extensions.Options;

namespace Docx2Pdf.Conversion;

/// <summary>Start-up checks of <see cref="LibreOfficeOptions"/>; every message names the setting.</summary>
internal sealed class LibreOfficeOptionsValidator : IValidateOptions<LibreOfficeOptions>
{
    private const string Prefix = LibreOfficeOptions.SectionName + ":";
    private const long MinimumMemoryLimit = 256L * 1024 * 1024;

    public ValidateOptionsResult Validate(string? name, LibreOfficeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.PoolSize < 1)
        {
            failures.Add($"{Prefix}{nameof(options.PoolSize)} must be at least 1 (was {options.PoolSize}).");
        }

        if (options.QueueLength < 0)
        {
            failures.Add($"{Prefix}{nameof(options.QueueLength)} must be 0 or more (was {options.QueueLength}).");
        }

        Positive(options.QueueTimeout, nameof(options.QueueTimeout));
        Positive(options.ConversionTimeout, nameof(options.ConversionTimeout));
        Positive(options.StartTimeout, nameof(options.StartTimeout));
        AtLeastOne(options.MaxConversionsPerInstance, nameof(options.MaxConversionsPerInstance));
        AtLeastOne(options.MaxInstanceMemoryMegabytes, nameof(options.MaxInstanceMemoryMegabytes));
        AtLeastOne(options.MaxInputBytes, nameof(options.MaxInputBytes));
        AtLeastOne(options.MaxUncompressedBytes, nameof(options.MaxUncompressedBytes));
        AtLeastOne(options.MaxZipEntries, nameof(options.MaxZipEntries));
        AtLeastOne(options.MaxCompressionRatio, nameof(options.MaxCompressionRatio));
        if (options.InstanceMemoryLimitBytes is not 0 and < MinimumMemoryLimit)
        {
            failures.Add($"{Prefix}{nameof(options.InstanceMemoryLimitBytes)} must be 0 (no cap) or at least {MinimumMemoryLimit} (256 MiB; LibreOffice needs about 150 MiB to start) (was {options.InstanceMemoryLimitBytes}).");
        }

        if (string.IsNullOrWhiteSpace(options.WorkFolder))
        {
            failures.Add($"{Prefix}{nameof(options.WorkFolder)} must be a folder path.");
        }

        if (options.EnabledFormats.Count == 0)
        {
            failures.Add($"{Prefix}{nameof(options.EnabledFormats)} must name at least one format.");
        }

        if (failures.Count == 0)
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

        void Positive(TimeSpan value, string setting)
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"{Prefix}{setting} must be greater than zero (was {value}).");
            }
        }

        void AtLeastOne(long value, string setting)
        {
            if (value < 1)
            {
                failures.Add($"{Prefix}{setting} must be at least 1 (was {value}).");
            }
        }
    }
}
