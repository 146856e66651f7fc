using Microsoft.Extensions.Options;

namespace Docx2Pdf.Conversion;

/// <summary>Start-up checks of <see cref="LibreOfficeOptions"/>; every message names the setting.</summary>
internal sealed class LibreOfficeOptionsValidator : IValidateOptions<LibreOfficeOptions>
{
    private const string Prefix = LibreOfficeOptions.SectionName + ":";
    internal const long MinimumMemoryLimit = 256L * 1024 * 1024;

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

        Between(options.QueueTimeout, TimeSpan.FromMinutes(10), nameof(options.QueueTimeout));
        Between(options.ConversionTimeout, TimeSpan.FromHours(1), nameof(options.ConversionTimeout));
        Between(options.StartTimeout, TimeSpan.FromMinutes(10), nameof(options.StartTimeout));
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

        // An upper bound catches "60" read as 60 days where 60 seconds (00:01:00) was meant.
        void Between(TimeSpan value, TimeSpan max, string setting)
        {
            if (value <= TimeSpan.Zero || value > max)
            {
                failures.Add($"{Prefix}{setting} must be greater than zero and at most {max} (was {value}; write seconds as hh:mm:ss, for example 00:01:00).");
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
