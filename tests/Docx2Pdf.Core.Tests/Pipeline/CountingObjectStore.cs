using System.Collections.Concurrent;
using Docx2Pdf.Storage;

namespace Docx2Pdf.Core.Tests.Pipeline;

/// <summary>Delegates to a real store and counts the writes per object, so tests can say "exactly one write".</summary>
internal sealed class CountingObjectStore(IObjectStore inner) : IObjectStore
{
    private readonly ConcurrentDictionary<(string Bucket, string Name), int> _uploads = new();

    /// <summary>When set, the next downloads fail with this kind before reaching the real store.</summary>
    public FailureKind? FailDownloadsWith { get; set; }

    /// <summary>When set, uploads of objects whose name starts with <see cref="FailUploadsUnder"/> fail with this kind.</summary>
    public FailureKind? FailUploadsWith { get; set; }

    public string FailUploadsUnder { get; set; } = "";

    public int UploadsOf(string bucket, string objectName) => _uploads.GetValueOrDefault((bucket, objectName));

    public int TotalUploads => _uploads.Values.Sum();

    public Task<ObjectInfo?> GetInfoAsync(string bucket, string objectName, CancellationToken cancellationToken = default) =>
        inner.GetInfoAsync(bucket, objectName, cancellationToken);

    public Task DownloadAsync(string bucket, string objectName, long generation, Stream destination, CancellationToken cancellationToken = default) =>
        FailDownloadsWith is { } kind
            ? throw new StorageException(kind, $"Injected {kind} for gs://{bucket}/{objectName}.")
            : inner.DownloadAsync(bucket, objectName, generation, destination, cancellationToken);

    public async Task<ObjectInfo> UploadAsync(string bucket, string objectName, Stream content, ObjectWriteOptions options, CancellationToken cancellationToken = default)
    {
        if (FailUploadsWith is { } kind && objectName.StartsWith(FailUploadsUnder, StringComparison.Ordinal))
        {
            throw new StorageException(kind, $"Injected {kind} for gs://{bucket}/{objectName}.");
        }

        var info = await inner.UploadAsync(bucket, objectName, content, options, cancellationToken);
        _uploads.AddOrUpdate((bucket, objectName), 1, (_, n) => n + 1);
        return info;
    }

    public Task DeleteAsync(string bucket, string objectName, long? ifGenerationMatch = null, CancellationToken cancellationToken = default) =>
        inner.DeleteAsync(bucket, objectName, ifGenerationMatch, cancellationToken);
}
