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

        if (options.Storage is { } storage)
        {
            if (storage.Provider is not null)
            {
                storage.ProviderChosenBy = "Docx2Pdf:Storage:Provider";
            }
            else if (storage.CloudStorage?.BaseUri is not null)
            {
                storage.Provider = StorageProvider.CloudStorage;
                storage.ProviderChosenBy = "Docx2Pdf:Storage:CloudStorage:BaseUri";
            }
            else
            {
                (storage.Provider, storage.ProviderChosenBy) = ResolveProviderWithReason(_environment);
            }
        }
    }

    /// <summary>
    /// Cloud Storage when the environment says we are meant to use it (an emulator, the sample's OUTPUT_BUCKET, or Cloud Run),
    /// the local folder otherwise, so a developer's first run needs no cloud account.
    /// </summary>
    internal static StorageProvider ResolveProvider(Func<string, string?> environment) => ResolveProviderWithReason(environment).Provider;

    /// <summary>The same rule, with the setting or variable that decided it (logged at start).</summary>
    internal static (StorageProvider Provider, string Reason) ResolveProviderWithReason(Func<string, string?> environment)
    {
        foreach (var variable in new[] { "STORAGE_EMULATOR_HOST", OutputBucketVariable, "K_SERVICE" })
        {
            if (!string.IsNullOrEmpty(environment(variable)))
            {
                return (StorageProvider.CloudStorage, "the environment variable " + variable);
            }
        }

        return (StorageProvider.FileSystem, "the default: none of Docx2Pdf:Storage:Provider, STORAGE_EMULATOR_HOST, OUTPUT_BUCKET, K_SERVICE is set");
    }
}
