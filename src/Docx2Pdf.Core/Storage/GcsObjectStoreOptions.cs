using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.Storage;

/// <summary>Options of <see cref="GcsObjectStore"/>, the Google Cloud Storage object store.</summary>
public sealed class GcsObjectStoreOptions
{
    /// <summary>
    /// The JSON API base address, for example <c>http://127.0.0.1:9199/storage/v1/</c> for a local server. When
    /// <see langword="null"/>, the <c>STORAGE_EMULATOR_HOST</c> environment variable (<c>host:port</c>) is honoured (then
    /// without credentials), and otherwise Google's production endpoint is used with Application Default Credentials.
    /// The default value is <see langword="null"/>.
    /// </summary>
    public Uri? BaseUri { get; set; }

    /// <summary>
    /// Sends no credentials; only for emulators and test servers reached through <see cref="BaseUri"/>.
    /// The default value is <see langword="false"/>.
    /// </summary>
    public bool UnauthenticatedAccess { get; set; }

    /// <summary>
    /// The size of each request of a resumable upload, in bytes: a positive multiple of 262,144 (256 KiB). A stream that
    /// cannot seek is buffered one chunk at a time, so this bounds the memory an upload uses.
    /// The default value is 8,388,608 (8 MiB).
    /// </summary>
    [SettingRange(256 * 1024, 1024 * 1024 * 1024, ErrorMessage = "Docx2Pdf:Storage:CloudStorage:ChunkSize must be between 262144 (256 KiB) and 1 GiB, and a multiple of 262144.")]
    public int ChunkSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// Seekable content up to this many bytes is sent as one chunk (one request after the resumable session opens) instead
    /// of <see cref="ChunkSize"/> chunks; Google.Cloud.Storage.V1 always uses the resumable protocol. <c>0</c> always uses
    /// <see cref="ChunkSize"/>. The default value is 16,777,216 (16 MiB).
    /// </summary>
    [SettingRange(typeof(long), "0", "9223372036854775807", ErrorMessage = "Docx2Pdf:Storage:CloudStorage:SingleRequestUploadThreshold must not be negative.")]
    public long SingleRequestUploadThreshold { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// How many times a call that failed transiently (408, 429, 5xx, network errors) is retried. Downloads are retried only
    /// while nothing was written to the destination or the destination can seek; uploads only when they carry a generation
    /// precondition and the content can seek. The default value is 3.
    /// </summary>
    [SettingRange(0, 20, ErrorMessage = "Docx2Pdf:Storage:CloudStorage:MaxRetryAttempts must be between 0 and 20.")]
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>The delay before the first retry; later ones back off exponentially with jitter. At most 1 minute. The default value is 1 second.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", "00:01:00", ErrorMessage = "Docx2Pdf:Storage:CloudStorage:RetryBaseDelay must be between 0 and 1 minute (00:01:00).")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>Validates <see cref="GcsObjectStoreOptions"/> at start-up.</summary>
[OptionsValidator]
internal sealed partial class GcsObjectStoreOptionsValidator : IValidateOptions<GcsObjectStoreOptions>
{
}

/// <summary>Cross-field rules of <see cref="GcsObjectStoreOptions"/>.</summary>
internal sealed class GcsObjectStoreOptionsRulesValidator : IValidateOptions<GcsObjectStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, GcsObjectStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        // The range is the attribute's; this is the part it cannot say.
        if (options.ChunkSize >= 256 * 1024 && options.ChunkSize % (256 * 1024) != 0)
        {
            failures.Add("Docx2Pdf:Storage:CloudStorage:ChunkSize must be a multiple of 262144 (256 KiB).");
        }

        if (options.BaseUri is { } uri && (!uri.IsAbsoluteUri || uri.Scheme is not ("http" or "https")))
        {
            failures.Add("Docx2Pdf:Storage:CloudStorage:BaseUri must be an absolute http or https address, for example http://127.0.0.1:9199/storage/v1/.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
