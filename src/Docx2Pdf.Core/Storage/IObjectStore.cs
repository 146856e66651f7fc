namespace Docx2Pdf.Storage;

/// <summary>
/// A bucket/object store with Cloud Storage semantics: objects have generations, custom metadata and
/// preconditions. Implementations: Cloud Storage and a local folder (the embedded default).
/// </summary>
public interface IObjectStore
{
    /// <summary>Returns the live object's metadata, or <see langword="null"/> when there is no such object.</summary>
    /// <param name="bucket">The bucket.</param>
    /// <param name="objectName">The object name (arbitrary UTF-8).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="StorageException">Any failure other than "not found".</exception>
    Task<ObjectInfo?> GetInfoAsync(string bucket, string objectName, CancellationToken cancellationToken = default);

    /// <summary>Streams exactly generation <paramref name="generation"/> of the object into <paramref name="destination"/>.</summary>
    /// <param name="bucket">The bucket.</param>
    /// <param name="objectName">The object name.</param>
    /// <param name="generation">The generation to read; when it is no longer live the call fails with <see cref="FailureKind.StorageNotFound"/>.</param>
    /// <param name="destination">Receives the bytes; not disposed.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="StorageException">Not found, transient or permanent failure.</exception>
    Task DownloadAsync(string bucket, string objectName, long generation, Stream destination, CancellationToken cancellationToken = default);

    /// <summary>Writes an object from a stream, atomically: readers see the old object or the whole new one.</summary>
    /// <param name="bucket">The bucket.</param>
    /// <param name="objectName">The object name.</param>
    /// <param name="content">The bytes, read to the end; not disposed.</param>
    /// <param name="options">Content type, custom metadata and precondition.</param>
    /// <param name="cancellationToken">Cancels the call; nothing is written then.</param>
    /// <returns>The new object's metadata.</returns>
    /// <exception cref="StorageException"><see cref="FailureKind.StoragePreconditionFailed"/> when the precondition does not hold; transient or permanent failures.</exception>
    Task<ObjectInfo> UploadAsync(string bucket, string objectName, Stream content, ObjectWriteOptions options, CancellationToken cancellationToken = default);

    /// <summary>Deletes the object. Deleting an object that does not exist succeeds.</summary>
    /// <param name="bucket">The bucket.</param>
    /// <param name="objectName">The object name.</param>
    /// <param name="ifGenerationMatch">Delete only this generation; <see langword="null"/> for the live one, whatever it is.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="StorageException">Precondition failed, transient or permanent failure.</exception>
    Task DeleteAsync(string bucket, string objectName, long? ifGenerationMatch = null, CancellationToken cancellationToken = default);
}

/// <summary>An object's metadata.</summary>
public sealed record ObjectInfo
{
    /// <summary>The bucket.</summary>
    public required string Bucket { get; init; }

    /// <summary>The object name.</summary>
    public required string Name { get; init; }

    /// <summary>The generation: changes on every write of the object, always greater than 0.</summary>
    public required long Generation { get; init; }

    /// <summary>The size in bytes.</summary>
    public required long Size { get; init; }

    /// <summary>The content type, if one was set.</summary>
    public string? ContentType { get; init; }

    /// <summary>
    /// The stored <c>Content-Encoding</c> (for example <c>gzip</c>), if one was set. Cloud Storage serves such an object
    /// decompressed, so its <see cref="Size"/> is not the size a download writes; the pipeline refuses it.
    /// </summary>
    public string? ContentEncoding { get; init; }

    /// <summary>Custom metadata (case-sensitive keys).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>When this generation was written, if known.</summary>
    public DateTimeOffset? Updated { get; init; }
}

/// <summary>How an object is written.</summary>
public sealed record ObjectWriteOptions
{
    /// <summary>The content type. The default value is <c>application/octet-stream</c>.</summary>
    public string ContentType { get; init; } = "application/octet-stream";

    /// <summary>Custom metadata to attach. The default value is empty.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Precondition: <c>0</c> writes only if no live object exists; <c>G</c> writes only if generation G is live;
    /// <see langword="null"/> writes unconditionally. The default value is <see langword="null"/>.
    /// </summary>
    public long? IfGenerationMatch { get; init; }
}
