using Docx2Pdf;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Fills what configuration left unset from the environment of Google's original Cloud Run sample, and binds sections.</summary>
internal sealed class Docx2PdfOptionsDefaults : IPostConfigureOptions<Docx2PdfOptions>
{
    /// <summary>The original sample's output bucket variable.</summary>
    internal const string OutputBucketVariable = "OUTPUT_BUCKET";

    private readonly Func<string, string?> _environment;

    public Docx2PdfOptionsDefaults()
        : this(Environment.GetEnvironmentVariable)
    {
    }

    internal Docx2PdfOptionsDefaults(Func<string, string?> environment)
    {
        _environment = environment;
    }

    public void PostConfigure(string? name, Docx2PdfOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.OutputBucket) && _environment(OutputBucketVariable) is { Length: > 0 } bucket)
        {
            options.OutputBucket = bucket;
        }

        if (options.Storage is not null)
        {
            options.Storage.Provider ??= options.Storage.CloudStorage?.BaseUri is not null
                ? StorageProvider.CloudStorage
                : ResolveProvider(_environment);
        }
    }

    /// <summary>
    /// Cloud Storage when the environment says we are meant to use it (an emulator, the sample's OUTPUT_BUCKET, or Cloud Run),
    /// the local folder otherwise, so a developer's first run needs no cloud account.
    /// </summary>
    internal static StorageProvider ResolveProvider(Func<string, string?> environment) =>
        !string.IsNullOrEmpty(environment("STORAGE_EMULATOR_HOST")) ||
        !string.IsNullOrEmpty(environment(OutputBucketVariable)) ||
        !string.IsNullOrEmpty(environment("K_SERVICE"))
            ? StorageProvider.CloudStorage
            : StorageProvider.FileSystem;

    /// <summary>Binds <paramref name="section"/>; a configured extension list replaces the default instead of adding to it.</summary>
    internal static void Bind(IConfiguration section, Docx2PdfOptions options)
    {
        section.Bind(options);
        var extensions = section.GetSection(nameof(Docx2PdfOptions.Extensions));
        if (extensions.GetChildren().Any())
        {
            options.Extensions = extensions.Get<List<string>>() ?? [];
        }
    }
}
