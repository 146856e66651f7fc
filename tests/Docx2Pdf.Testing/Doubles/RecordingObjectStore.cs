using System.Collections.Concurrent;
using Docx2Pdf.Storage;

namespace Docx2Pdf.Testing.Doubles;

/// <summary>
/// Delegates to a real store, counts the successful writes per object and the downloads (so tests can say "exactly one
/// write"), and injects typed storage faults before they reach the real store.
/// </summary>
public sealed class RecordingObjectStore(IObjectStore inner) : IObjectStore
{
    private readonly ConcurrentDictionary<(string Bucket, string Name), int> _uploads = new();
    private int _downloadFaultsLeft;
    private int _downloads;

    /// <summary>The store behind this one.</summary>
    public IObjectStore Inner { get; } = inner;

    /// <summary>Every successful write, in order, with its metadata.</summary>
    public ConcurrentQueue<(string Bucket, string Name, IReadOnlyDictionary<string, string> Metadata)> Uploads { get; } = new();

    /// <summary>Download calls, including the ones that failed.</summary>
    public int Downloads => Volatile.Read(ref _downloads);

    /// <summary>Successful writes over all objects.</summary>
    public int TotalUploads => _uploads.Values.Sum();

    /// <summary>When set, every download fails with this kind before reaching the real store.</summary>
    public FailureKind? FailDownloadsWith { get; set; }

    /// <summary>When set, uploads of objects whose name starts with <see cref="FailUploadsUnder"/> fail with this kind.</summary>
    public FailureKind? FailUploadsWith { get; set; }

    /// <summary>The name prefix <see cref="FailUploadsWith"/> applies to; empty: every upload.</summary>
    public string FailUploadsUnder { get; set; } = "";

    /// <summary>The next <paramref name="count"/> downloads fail with <see cref="FailureKind.StorageTransient"/>.</summary>
    /// <param name="count">How many.</param>
    public void FailNextDownloads(int count) => Volatile.Write(ref _downloadFaultsLeft, count);

    /// <summary>Successful writes of one object.</summary>
    public int UploadsOf(string bucket, string objectName) => _uploads.GetValueOrDefault((bucket, objectName));

    /// <summary>Successful writes per object name in one bucket.</summary>
    public IReadOnlyDictionary<string, int> UploadsIn(string bucket) =>
        _uploads.Where(u => u.Key.Bucket == bucket).ToDictionary(u => u.Key.Name, u => u.Value, StringComparer.Ordinal);

    /// <inheritdoc />
    public Task<ObjectInfo?> GetInfoAsync(string bucket, string objectName, CancellationToken cancellationToken = default) =>
        Inner.GetInfoAsync(bucket, objectName, cancellationToken);

    /// <inheritdoc />
    public Task DownloadAsync(string bucket, string objectName, long generation, Stream destination, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _downloads);
        if (FailDownloadsWith is { } kind)
        {
            throw new StorageException(kind, $"Injected {kind} reading gs://{bucket}/{objectName}.");
        }

        if (Interlocked.Decrement(ref _downloadFaultsLeft) >= 0)
        {
            throw new StorageException(FailureKind.StorageTransient, $"Injected fault reading gs://{bucket}/{objectName}.");
        }

        return Inner.DownloadAsync(bucket, objectName, generation, destination, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<ObjectInfo> UploadAsync(string bucket, string objectName, Stream content, ObjectWriteOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (FailUploadsWith is { } kind && objectName.StartsWith(FailUploadsUnder, StringComparison.Ordinal))
        {
            throw new StorageException(kind, $"Injected {kind} writing gs://{bucket}/{objectName}.");
        }

        var info = await Inner.UploadAsync(bucket, objectName, content, options, cancellationToken).ConfigureAwait(false);
        _uploads.AddOrUpdate((bucket, objectName), 1, (_, n) => n + 1);
        Uploads.Enqueue((bucket, objectName, options.Metadata));
        return info;
    }

    /// <inheritdoc />
    public Task DeleteAsync(string bucket, string objectName, long? ifGenerationMatch = null, CancellationToken cancellationToken = default) =>
        Inner.DeleteAsync(bucket, objectName, ifGenerationMatch, cancellationToken);
}
