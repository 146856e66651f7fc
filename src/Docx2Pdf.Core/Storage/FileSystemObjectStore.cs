using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.Storage;

/// <summary>
/// An <see cref="IObjectStore"/> on a local folder, the embedded default: one subfolder per bucket, one file per object.
/// </summary>
/// <remarks>
/// <para>
/// Object names are never used as paths: each object lives in <c>{root}/{bucket}/{sha256(utf8 name)}.obj</c> (64 hex
/// digits), so no name can leave its bucket folder or exceed a file-name limit, and names that differ in any byte (case,
/// trailing slash, Unicode normalization) map to different files. The name itself is kept inside the file.
/// </para>
/// <para>
/// One file holds the content followed by a trailer (JSON with name, generation, size, content type and custom metadata,
/// then its length and a magic number). A write streams the content into a temporary file in the bucket folder, appends the
/// trailer and renames the file over the object, so readers see either the old or the new object, whole, with its own
/// metadata; a failed or cancelled write deletes its temporary file. An open reader keeps reading the generation it opened.
/// </para>
/// <para>
/// Preconditions and generations are decided under a lock per bucket: a <see cref="SemaphoreSlim"/> within the process and
/// an exclusive lock on <c>{bucket}/.lock</c> (<c>flock</c> on Linux) across processes that share the folder. The lock is
/// held only to read the live generation and rename, never while content streams. Generations are microseconds since the
/// Unix epoch from the <see cref="TimeProvider"/>, raised when needed so that they grow with every write of an object and
/// never repeat within a process. Folders on network file systems without working <c>flock</c> are not supported.
/// </para>
/// </remarks>
public sealed class FileSystemObjectStore : IObjectStore
{
    private const string ObjectExtension = ".obj";
    private const string TempExtension = ".tmp";
    private const string LockFileName = ".lock";
    private const int TrailerFooterLength = 12; // int32 JSON length + 8-byte magic
    private const int MaxTrailerLength = 4 * 1024 * 1024;
    private static readonly TimeSpan LeftoverTempAge = TimeSpan.FromHours(1);
    private static readonly ulong Magic = BinaryPrimitives.ReadUInt64LittleEndian("D2PFSOB1"u8);
    private static long s_lastGeneration;

    private readonly string _root;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _bucketLocks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _bucketsSwept = new(StringComparer.Ordinal);

    /// <summary>Creates the store (the constructor dependency injection uses).</summary>
    /// <param name="options">The options; <see cref="FileSystemObjectStoreOptions.RootPath"/> is required.</param>
    /// <param name="timeProvider">The clock generations and update times come from.</param>
    /// <param name="logger">The logger.</param>
    public FileSystemObjectStore(IOptions<FileSystemObjectStoreOptions> options, TimeProvider timeProvider, ILogger<FileSystemObjectStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        var rootPath = options.Value.RootPath;
        if (string.IsNullOrWhiteSpace(rootPath))
        {
            throw new ArgumentException("FileSystemObjectStoreOptions.RootPath is required: set the folder that holds one subfolder per bucket.", nameof(options));
        }

        _root = Path.GetFullPath(rootPath);
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Creates the store on <paramref name="options"/>.<see cref="FileSystemObjectStoreOptions.RootPath"/>.</summary>
    /// <param name="options">The options; <see cref="FileSystemObjectStoreOptions.RootPath"/> is required.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public FileSystemObjectStore(FileSystemObjectStoreOptions options, TimeProvider? timeProvider = null)
        : this(Options.Create(options ?? throw new ArgumentNullException(nameof(options))), timeProvider ?? TimeProvider.System, NullLogger<FileSystemObjectStore>.Instance)
    {
    }

    /// <summary>The full path of the root folder.</summary>
    internal string RootPath => _root;

    /// <inheritdoc/>
    public async Task<ObjectInfo?> GetInfoAsync(string bucket, string objectName, CancellationToken cancellationToken = default)
    {
        var path = ObjectPath(bucket, objectName);
        cancellationToken.ThrowIfCancellationRequested();
        return await GuardAsync(bucket, objectName, async () =>
        {
            await using var file = OpenForRead(path);
            return file is null ? null : (await ReadTrailerAsync(file, bucket, objectName, cancellationToken).ConfigureAwait(false)).ToInfo(bucket);
        }).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task DownloadAsync(string bucket, string objectName, long generation, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var path = ObjectPath(bucket, objectName);
        cancellationToken.ThrowIfCancellationRequested();
        await GuardAsync(bucket, objectName, async () =>
        {
            // The open handle pins this generation: a concurrent rename replaces the directory entry, not this file.
            await using var file = OpenForRead(path);
            var trailer = file is null ? null : await ReadTrailerAsync(file, bucket, objectName, cancellationToken).ConfigureAwait(false);
            if (file is null || trailer is null || trailer.Generation != generation)
            {
                throw new StorageException(FailureKind.StorageNotFound, $"gs://{bucket}/{objectName} has no live generation {generation}.");
            }

            file.Position = 0;
            await CopyExactlyAsync(file, destination, trailer.Size, cancellationToken).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<ObjectInfo> UploadAsync(string bucket, string objectName, Stream content, ObjectWriteOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(options);
        var path = ObjectPath(bucket, objectName);
        cancellationToken.ThrowIfCancellationRequested();
        return await GuardAsync(bucket, objectName, async () =>
        {
            var bucketDir = EnsureBucketFolder(bucket);
            var tempPath = Path.Combine(bucketDir, $"{Path.GetFileNameWithoutExtension(path)}.{Guid.NewGuid():N}{TempExtension}");
            try
            {
                var temp = new FileStream(tempPath, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    Share = FileShare.None,
                    Options = FileOptions.Asynchronous,
                    BufferSize = 0,
                });
                await using (temp.ConfigureAwait(false))
                {
                    // Content streams without the lock; only the precondition check and the rename hold it.
                    var size = await CopyAllAsync(content, temp, cancellationToken).ConfigureAwait(false);
                    using var held = await AcquireBucketLockAsync(bucket, bucketDir, cancellationToken).ConfigureAwait(false);
                    var live = await ReadLiveGenerationAsync(path, bucket, objectName, cancellationToken).ConfigureAwait(false);
                    if (options.IfGenerationMatch is { } expected && expected != live)
                    {
                        Log.PreconditionFailed(_logger, bucket, objectName, expected, live);
                        throw PreconditionFailed(bucket, objectName, expected, live);
                    }

                    cancellationToken.ThrowIfCancellationRequested();
                    var trailer = new Trailer
                    {
                        Name = objectName,
                        Generation = NextGeneration(live),
                        Size = size,
                        ContentType = options.ContentType,
                        Metadata = new Dictionary<string, string>(options.Metadata, StringComparer.Ordinal),
                        Updated = _timeProvider.GetUtcNow(),
                    };
                    await WriteTrailerAsync(temp, trailer).ConfigureAwait(false);
                    temp.Flush(flushToDisk: true);
                    await temp.DisposeAsync().ConfigureAwait(false);

                    // rename(2) replaces the object atomically; past this point the write has happened, so no more cancellation.
                    File.Move(tempPath, path, overwrite: true);
                    Log.ObjectWritten(_logger, bucket, objectName, trailer.Generation, size);
                    return trailer.ToInfo(bucket);
                }
            }
            finally
            {
                TryDelete(tempPath);
            }
        }).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task DeleteAsync(string bucket, string objectName, long? ifGenerationMatch = null, CancellationToken cancellationToken = default)
    {
        var path = ObjectPath(bucket, objectName);
        cancellationToken.ThrowIfCancellationRequested();
        await GuardAsync(bucket, objectName, async () =>
        {
            var bucketDir = BucketFolder(bucket);
            if (!Directory.Exists(bucketDir))
            {
                return true;
            }

            using var held = await AcquireBucketLockAsync(bucket, bucketDir, cancellationToken).ConfigureAwait(false);
            var live = await ReadLiveGenerationAsync(path, bucket, objectName, cancellationToken).ConfigureAwait(false);
            if (live == 0)
            {
                return true;
            }

            if (ifGenerationMatch is { } expected && expected != live)
            {
                Log.PreconditionFailed(_logger, bucket, objectName, expected, live);
                throw PreconditionFailed(bucket, objectName, expected, live);
            }

            File.Delete(path);
            Log.ObjectDeleted(_logger, bucket, objectName, live);
            return true;
        }).ConfigureAwait(false);
    }

    /// <summary>Lists the live objects of a bucket whose names start with <paramref name="prefix"/>, ordered by name (ordinal).</summary>
    internal async Task<IReadOnlyList<ObjectInfo>> ListAsync(string bucket, string prefix = "", CancellationToken cancellationToken = default)
    {
        CloudStorageNames.ValidateBucket(bucket);
        var bucketDir = BucketFolder(bucket);
        var result = new List<ObjectInfo>();
        if (!Directory.Exists(bucketDir))
        {
            return result;
        }

        foreach (var path in Directory.EnumerateFiles(bucketDir, "*" + ObjectExtension))
        {
            await using var file = OpenForRead(path);
            if (file is null)
            {
                continue;
            }

            var trailer = await ReadTrailerAsync(file, bucket, null, cancellationToken).ConfigureAwait(false);
            if (trailer.Name.StartsWith(prefix, StringComparison.Ordinal))
            {
                result.Add(trailer.ToInfo(bucket));
            }
        }

        result.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return result;
    }

    private string BucketFolder(string bucket) => Path.Combine(_root, bucket);

    private string ObjectPath(string bucket, string objectName)
    {
        CloudStorageNames.ValidateBucket(bucket);
        var nameBytes = CloudStorageNames.ValidateObjectName(bucket, objectName);
        return Path.Combine(BucketFolder(bucket), Convert.ToHexStringLower(SHA256.HashData(nameBytes)) + ObjectExtension);
    }

    private string EnsureBucketFolder(string bucket)
    {
        var dir = Directory.CreateDirectory(BucketFolder(bucket)).FullName;
        if (_bucketsSwept.TryAdd(bucket, true))
        {
            RemoveLeftoverTempFiles(bucket, dir);
        }

        return dir;
    }

    // A crash between creating and renaming a temporary file leaves it behind; temp files this old belong to no live write.
    private void RemoveLeftoverTempFiles(string bucket, string bucketDir)
    {
        var cutoff = _timeProvider.GetUtcNow().UtcDateTime - LeftoverTempAge;
        var removed = 0;
        foreach (var temp in Directory.EnumerateFiles(bucketDir, "*" + TempExtension))
        {
            if (File.GetLastWriteTimeUtc(temp) < cutoff && TryDelete(temp))
            {
                removed++;
            }
        }

        if (removed > 0)
        {
            Log.LeftoverTempFilesRemoved(_logger, bucket, removed);
        }
    }

    private static FileStream? OpenForRead(string path)
    {
        try
        {
            return new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.ReadWrite | FileShare.Delete,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            });
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static async Task<long> ReadLiveGenerationAsync(string path, string bucket, string objectName, CancellationToken cancellationToken)
    {
        await using var file = OpenForRead(path);
        return file is null ? 0 : (await ReadTrailerAsync(file, bucket, objectName, cancellationToken).ConfigureAwait(false)).Generation;
    }

    private static async Task<Trailer> ReadTrailerAsync(FileStream file, string bucket, string? expectedName, CancellationToken cancellationToken)
    {
        var length = file.Length;
        var footer = new byte[TrailerFooterLength];
        if (length < TrailerFooterLength)
        {
            throw Corrupt(bucket, expectedName);
        }

        file.Position = length - TrailerFooterLength;
        await file.ReadExactlyAsync(footer, cancellationToken).ConfigureAwait(false);
        var jsonLength = BinaryPrimitives.ReadInt32LittleEndian(footer);
        if (BinaryPrimitives.ReadUInt64LittleEndian(footer.AsSpan(4)) != Magic || jsonLength <= 0 || jsonLength > MaxTrailerLength || jsonLength > length - TrailerFooterLength)
        {
            throw Corrupt(bucket, expectedName);
        }

        var json = new byte[jsonLength];
        file.Position = length - TrailerFooterLength - jsonLength;
        await file.ReadExactlyAsync(json, cancellationToken).ConfigureAwait(false);
        var trailer = JsonSerializer.Deserialize(json, FileSystemObjectStoreJsonContext.Default.Trailer);
        if (trailer is null || trailer.Size != length - TrailerFooterLength - jsonLength || (expectedName is not null && !string.Equals(trailer.Name, expectedName, StringComparison.Ordinal)))
        {
            throw Corrupt(bucket, expectedName);
        }

        return trailer;
    }

    private static async Task WriteTrailerAsync(FileStream file, Trailer trailer)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(trailer, FileSystemObjectStoreJsonContext.Default.Trailer);
        var footer = new byte[TrailerFooterLength];
        BinaryPrimitives.WriteInt32LittleEndian(footer, json.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(footer.AsSpan(4), Magic);
        await file.WriteAsync(json).ConfigureAwait(false);
        await file.WriteAsync(footer).ConfigureAwait(false);
    }

    private static async Task<long> CopyAllAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                total += read;
            }

            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task CopyExactlyAsync(Stream source, Stream destination, long count, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            while (count > 0)
            {
                var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new EndOfStreamException();
                }

                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                count -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private long NextGeneration(long live)
    {
        var micros = (_timeProvider.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;
        var candidate = Math.Max(Math.Max(micros, live + 1), 1);
        while (true)
        {
            var last = Volatile.Read(ref s_lastGeneration);
            var next = Math.Max(candidate, last + 1);
            if (Interlocked.CompareExchange(ref s_lastGeneration, next, last) == last)
            {
                return next;
            }
        }
    }

    private async Task<IDisposable> AcquireBucketLockAsync(string bucket, string bucketDir, CancellationToken cancellationToken)
    {
        var gate = _bucketLocks.GetOrAdd(bucket, static _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var lockPath = Path.Combine(bucketDir, LockFileName);
            while (true)
            {
                try
                {
                    // FileShare.None takes an exclusive flock on Unix: other processes sharing the folder wait here.
                    var lockFile = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
                    return new HeldLock(gate, lockFile);
                }
                catch (IOException) when (File.Exists(lockPath))
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(5), _timeProvider, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    private static async Task<T> GuardAsync<T>(string bucket, string objectName, Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new StorageException(FailureKind.StoragePermanent, $"Access denied to the folder of bucket '{bucket}' while handling '{objectName}': check the permissions of the store's root folder.", ex);
        }
        catch (IOException ex)
        {
            throw new StorageException(FailureKind.StorageTransient, $"I/O error on gs://{bucket}/{objectName} in the local store: {ex.GetType().Name}.", ex);
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static StorageException PreconditionFailed(string bucket, string objectName, long expected, long live) =>
        new(FailureKind.StoragePreconditionFailed, expected == 0
            ? $"gs://{bucket}/{objectName} already exists (generation {live}); the write required it to be absent."
            : $"gs://{bucket}/{objectName} is not at generation {expected} (live: {(live == 0 ? "none" : live)}).");

    private static StorageException Corrupt(string bucket, string? objectName) =>
        new(FailureKind.StoragePermanent, $"A file in the local folder of bucket '{bucket}'{(objectName is null ? string.Empty : $" for '{objectName}'")} is not a valid object file; it was changed outside this store.");

    private sealed class HeldLock(SemaphoreSlim gate, FileStream lockFile) : IDisposable
    {
        public void Dispose()
        {
            lockFile.Dispose();
            gate.Release();
        }
    }

    internal sealed record Trailer
    {
        public required string Name { get; init; }

        public required long Generation { get; init; }

        public required long Size { get; init; }

        public string? ContentType { get; init; }

        public Dictionary<string, string> Metadata { get; init; } = [];

        public DateTimeOffset Updated { get; init; }

        public ObjectInfo ToInfo(string bucket) => new()
        {
            Bucket = bucket,
            Name = Name,
            Generation = Generation,
            Size = Size,
            ContentType = ContentType,
            Metadata = new Dictionary<string, string>(Metadata, StringComparer.Ordinal),
            Updated = Updated,
        };
    }
}

[JsonSerializable(typeof(FileSystemObjectStore.Trailer))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class FileSystemObjectStoreJsonContext : JsonSerializerContext
{
}
