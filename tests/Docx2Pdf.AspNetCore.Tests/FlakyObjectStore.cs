using System.Collections.Concurrent;
using Docx2Pdf.Storage;

namespace Docx2Pdf.AspNetCore.Tests;

/// <summary>
/// Decorates the real store: the first <see cref="FailuresPerObject"/> downloads of each object whose name starts with
/// <see cref="Prefix"/> fail as a storage server answering 503 would (a transient StorageException).
/// </summary>
public sealed class FlakyObjectStore(IObjectStore inner) : IObjectStore
{
    public const string Prefix = "flaky/";
    public const int FailuresPerObject = 1;

    private readonly ConcurrentDictionary<string, int> _failures = new();

    public int Failures => _failures.Values.Sum();

    public Task<ObjectInfo?> GetInfoAsync(string bucket, string objectName, CancellationToken cancellationToken = default) =>
        inner.GetInfoAsync(bucket, objectName, cancellationToken);

    public Task DownloadAsync(string bucket, string objectName, long generation, Stream destination, CancellationToken cancellationToken = default)
    {
        if (objectName.StartsWith(Prefix, StringComparison.Ordinal))
        {
            var count = _failures.AddOrUpdate(objectName, 1, (_, n) => n + 1);
            if (count <= FailuresPerObject)
            {
                throw new StorageException(FailureKind.StorageTransient, $"gs://{bucket}/{objectName}: the storage server answered 503 (injected).");
            }
        }

        return inner.DownloadAsync(bucket, objectName, generation, destination, cancellationToken);
    }

    public Task<ObjectInfo> UploadAsync(string bucket, string objectName, Stream content, ObjectWriteOptions options, CancellationToken cancellationToken = default) =>
        inner.UploadAsync(bucket, objectName, content, options, cancellationToken);

    public Task DeleteAsync(string bucket, string objectName, long? ifGenerationMatch = null, CancellationToken cancellationToken = default) =>
        inner.DeleteAsync(bucket, objectName, ifGenerationMatch, cancellationToken);
}
