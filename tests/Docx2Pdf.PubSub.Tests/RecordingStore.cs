using System.Collections.Concurrent;
using Docx2Pdf.Storage;

namespace Docx2Pdf.PubSub.Tests;

/// <summary>The real store, with every successful write counted and optional transient download faults.</summary>
internal sealed class RecordingStore(IObjectStore inner) : IObjectStore
{
    private int _downloadFaultsLeft;
    private int _downloads;

    public ConcurrentDictionary<string, int> Writes { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<(string Bucket, string Name, IReadOnlyDictionary<string, string> Metadata)> Uploads { get; } = new();

    public int Downloads => Volatile.Read(ref _downloads);

    public void FailNextDownloads(int count) => Volatile.Write(ref _downloadFaultsLeft, count);

    public IReadOnlyDictionary<string, int> WritesIn(string bucket) =>
        Writes.Where(w => w.Key.StartsWith(bucket + "/", StringComparison.Ordinal)).ToDictionary(w => w.Key, w => w.Value, StringComparer.Ordinal);

    public int WritesOf(string bucket, string name) => Writes.TryGetValue($"{bucket}/{name}", out var n) ? n : 0;

    public Task<ObjectInfo?> GetInfoAsync(string bucket, string objectName, CancellationToken cancellationToken = default) =>
        inner.GetInfoAsync(bucket, objectName, cancellationToken);

    public Task DownloadAsync(string bucket, string objectName, long generation, Stream destination, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _downloads);
        if (Interlocked.Decrement(ref _downloadFaultsLeft) >= 0)
        {
            throw new StorageException(FailureKind.StorageTransient, $"Injected fault reading {bucket}/{objectName}.");
        }

        return inner.DownloadAsync(bucket, objectName, generation, destination, cancellationToken);
    }

    public async Task<ObjectInfo> UploadAsync(string bucket, string objectName, Stream content, ObjectWriteOptions options, CancellationToken cancellationToken = default)
    {
        var info = await inner.UploadAsync(bucket, objectName, content, options, cancellationToken);
        Writes.AddOrUpdate($"{bucket}/{objectName}", 1, (_, n) => n + 1);
        Uploads.Enqueue((bucket, objectName, options.Metadata));
        return info;
    }

    public Task DeleteAsync(string bucket, string objectName, long? ifGenerationMatch = null, CancellationToken cancellationToken = default) =>
        inner.DeleteAsync(bucket, objectName, ifGenerationMatch, cancellationToken);
}
