using System.Security.Cryptography;
using System.Text;
using Docx2Pdf.Storage;
using Docx2Pdf.Testing;
using Docx2Pdf.Testing.Storage;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.Core.Tests.Storage;

/// <summary>Retries and error mapping of <see cref="GcsObjectStore"/>, against a fresh <see cref="GcsTestServer"/> per test.</summary>
[Trait("Layer", "Integration")]
public sealed class GcsObjectStoreTests : IAsyncLifetime
{
    private const string Bucket = "gcs-errors";
    private const int MaxRetryAttempts = 3;
    private GcsTestServer _server = null!;
    private GcsObjectStore _store = null!;

    public async Task InitializeAsync()
    {
        _server = await GcsTestServer.StartAsync();
        _store = CreateStore(_server.BaseUri);
    }

    public async Task DisposeAsync()
    {
        _store.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task GetInfoAsync_Two503ThenSuccess_RetriesAndReturnsObject()
    {
        var written = await UploadAsync("doc.docx", "content");
        _server.ClearRequests();
        _server.FailNext(2, 503);

        var info = await _store.GetInfoAsync(Bucket, "doc.docx");

        info!.Generation.Should().Be(written.Generation);
        _server.Requests.Should().HaveCount(3);
    }

    [Fact]
    public async Task DownloadAsync_503ThenSuccess_RetriesAndDownloadsWholeObject()
    {
        var written = await UploadAsync("doc.docx", "content");
        _server.FailNext(1, 503, request => request.Contains("alt=media", StringComparison.Ordinal));

        using var destination = new MemoryStream();
        await _store.DownloadAsync(Bucket, "doc.docx", written.Generation, destination);

        Encoding.UTF8.GetString(destination.ToArray()).Should().Be("content");
        _server.Requests.Count(r => r.Contains("alt=media", StringComparison.Ordinal)).Should().Be(2);
    }

    [Fact]
    public async Task UploadAsync_WithPrecondition503ThenSuccess_RetriesAndWritesOnce()
    {
        _server.FailNext(1, 503, "POST");

        var written = await UploadAsync("out.pdf", "pdf bytes", ifGenerationMatch: 0);

        _server.GetObject(Bucket, "out.pdf")!.Value.Generation.Should().Be(written.Generation);
        Encoding.UTF8.GetString(_server.GetObject(Bucket, "out.pdf")!.Value.Data).Should().Be("pdf bytes");
    }

    [Fact]
    public async Task DeleteAsync_429ThenSuccess_RetriesAndDeletes()
    {
        var written = await UploadAsync("doc.docx", "content");
        _server.FailNext(1, 429, "DELETE");

        await _store.DeleteAsync(Bucket, "doc.docx", written.Generation);

        _server.GetObject(Bucket, "doc.docx").Should().BeNull();
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    [InlineData(408)]
    [InlineData(429)]
    public async Task GetInfoAsync_PersistentTransientStatus_ThrowsStorageTransientAfterRetries(int status)
    {
        await UploadAsync("doc.docx", "content");
        _server.ClearRequests();
        _server.FailNext(100, status);

        var read = () => _store.GetInfoAsync(Bucket, "doc.docx");

        var failure = (await read.Should().ThrowAsync<StorageException>()).Which;
        failure.Kind.Should().Be(FailureKind.StorageTransient);
        failure.IsTransient.Should().BeTrue();
        _server.Requests.Should().HaveCount(1 + MaxRetryAttempts);
    }

    [Fact]
    public async Task DownloadAsync_Persistent503_ThrowsStorageTransient()
    {
        var written = await UploadAsync("doc.docx", "content");
        _server.FailNext(100, 503);

        using var destination = new MemoryStream();
        var read = () => _store.DownloadAsync(Bucket, "doc.docx", written.Generation, destination);

        (await read.Should().ThrowAsync<StorageException>()).Which.Kind.Should().Be(FailureKind.StorageTransient);
    }

    [Fact]
    public async Task UploadAsync_Persistent503_ThrowsStorageTransientAndWritesNothing()
    {
        _server.FailNext(100, 503);

        var write = () => UploadAsync("out.pdf", "pdf", ifGenerationMatch: 0);

        (await write.Should().ThrowAsync<StorageException>()).Which.Kind.Should().Be(FailureKind.StorageTransient);
        _server.GetObject(Bucket, "out.pdf").Should().BeNull();
    }

    [Fact]
    public async Task UploadAsync_WithoutPrecondition503_IsNotRetried()
    {
        _server.FailNext(1, 503, "POST");

        var write = () => UploadAsync("out.pdf", "pdf");

        (await write.Should().ThrowAsync<StorageException>()).Which.Kind.Should().Be(FailureKind.StorageTransient);
        _server.Requests.Should().ContainSingle(r => r.StartsWith("POST", StringComparison.Ordinal), "a write without precondition is not idempotent");
    }

    [Fact]
    public async Task GetInfoAsync_403_ThrowsStoragePermanentNamingPermissionAndBucketWithoutRetry()
    {
        _server.FailNext(100, 403);

        var read = () => _store.GetInfoAsync(Bucket, "doc.docx");

        var failure = (await read.Should().ThrowAsync<StorageException>()).Which;
        failure.Kind.Should().Be(FailureKind.StoragePermanent);
        failure.IsTransient.Should().BeFalse();
        failure.Message.Should().Contain("Permission denied").And.Contain(Bucket);
        _server.Requests.Should().HaveCount(1);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    public async Task UploadAsync_ClientErrorStatus_ThrowsStoragePermanent(int status)
    {
        _server.FailNext(100, status);

        var write = () => UploadAsync("out.pdf", "pdf", ifGenerationMatch: 0);

        (await write.Should().ThrowAsync<StorageException>()).Which.Kind.Should().Be(FailureKind.StoragePermanent);
    }

    [Fact]
    public async Task DownloadAsync_404_ThrowsStorageNotFound()
    {
        var written = await UploadAsync("doc.docx", "content");
        _server.FailNext(1, 404, "GET");

        using var destination = new MemoryStream();
        var read = () => _store.DownloadAsync(Bucket, "doc.docx", written.Generation, destination);

        (await read.Should().ThrowAsync<StorageException>()).Which.Kind.Should().Be(FailureKind.StorageNotFound);
    }

    [Fact]
    public async Task UploadAsync_412_ThrowsStoragePreconditionFailed()
    {
        await UploadAsync("out.pdf", "first");

        var write = () => UploadAsync("out.pdf", "second", ifGenerationMatch: 0);

        (await write.Should().ThrowAsync<StorageException>()).Which.Kind.Should().Be(FailureKind.StoragePreconditionFailed);
        Encoding.UTF8.GetString(_server.GetObject(Bucket, "out.pdf")!.Value.Data).Should().Be("first");
    }

    [Fact]
    public async Task DeleteAsync_Injected412_ThrowsStoragePreconditionFailed()
    {
        await UploadAsync("doc.docx", "content");
        _server.FailNext(1, 412, "DELETE");

        var delete = () => _store.DeleteAsync(Bucket, "doc.docx", 1);

        (await delete.Should().ThrowAsync<StorageException>()).Which.Kind.Should().Be(FailureKind.StoragePreconditionFailed);
        _server.GetObject(Bucket, "doc.docx").Should().NotBeNull();
    }

    [Fact]
    public async Task GetInfoAsync_NothingListening_ThrowsStorageTransient()
    {
        using var store = CreateStore(new Uri($"http://127.0.0.1:{FreePort.Next()}/storage/v1/"));

        var read = () => store.GetInfoAsync(Bucket, "doc.docx");

        (await read.Should().ThrowAsync<StorageException>()).Which.Kind.Should().Be(FailureKind.StorageTransient);
    }

    [Fact]
    public async Task DownloadAsync_NonSeekableDestinationNothingWrittenYet_RetriesEveryAttempt()
    {
        // A destination that cannot seek may restart only while it holds nothing: here every attempt fails before a byte arrives.
        var written = await UploadAsync("doc.docx", "content");
        _server.ClearRequests();
        _server.FailNext(100, 503);
        using var destination = new NonSeekableWriteStream();

        var read = () => _store.DownloadAsync(Bucket, "doc.docx", written.Generation, destination);

        (await read.Should().ThrowAsync<StorageException>()).Which.Kind.Should().Be(FailureKind.StorageTransient);
        destination.Written.Should().Be(0);
        _server.Requests.Should().HaveCount(1 + MaxRetryAttempts, "nothing was written yet, so every attempt may start over");
    }

    [Fact]
    public async Task UploadAsync_20MegabytesNonSeekable_StreamsInChunksWithoutReadingAheadOfTheServer()
    {
        const int ChunkSize = 1024 * 1024;
        const long Size = 20L * 1024 * 1024 + 4321;
        using var store = CreateStore(_server.BaseUri, chunkSize: ChunkSize);
        using var source = new PatternStream(Size);
        long? readWhenFirstChunkArrived = null;
        _server.RequestReceived += request =>
        {
            if (request.StartsWith("PUT", StringComparison.Ordinal))
            {
                readWhenFirstChunkArrived ??= source.BytesRead;
            }
        };

        var written = await store.UploadAsync(Bucket, "big.pdf", source, new ObjectWriteOptions { IfGenerationMatch = 0 });

        written.Size.Should().Be(Size);
        _server.Requests.Count(r => r.StartsWith("PUT", StringComparison.Ordinal)).Should().BeGreaterThanOrEqualTo(21);
        readWhenFirstChunkArrived.Should().BeLessThanOrEqualTo(2L * ChunkSize, "the upload must not read the whole document before sending");
        SHA256.HashData(_server.GetObject(Bucket, "big.pdf")!.Value.Data).Should().Equal(PatternStream.Sha256(Size));
    }

    [Fact]
    public async Task UploadAsync_StorageEmulatorHostSet_UsesItWithoutCredentials()
    {
        var previous = Environment.GetEnvironmentVariable(GcsObjectStore.EmulatorHostVariable);
        Environment.SetEnvironmentVariable(GcsObjectStore.EmulatorHostVariable, _server.EmulatorHost);
        try
        {
            using var store = new GcsObjectStore(new GcsObjectStoreOptions());
            using var content = new MemoryStream([1, 2, 3]);

            var written = await store.UploadAsync(Bucket, "via-env.pdf", content, new ObjectWriteOptions());

            _server.GetObject(Bucket, "via-env.pdf")!.Value.Generation.Should().Be(written.Generation);
        }
        finally
        {
            Environment.SetEnvironmentVariable(GcsObjectStore.EmulatorHostVariable, previous);
        }
    }

    [Theory]
    [InlineData("127.0.0.1:9199", "http://127.0.0.1:9199/storage/v1/")]
    [InlineData("localhost:9023/", "http://localhost:9023/storage/v1/")]
    [InlineData("http://emulator:4443", "http://emulator:4443/storage/v1/")]
    public void EmulatorBaseUri_HostValue_ReturnsJsonApiBase(string host, string expected) =>
        GcsObjectStore.EmulatorBaseUri(host).Should().Be(expected);

    [Fact]
    public void Constructor_ChunkSizeNotMultipleOf256KiB_ThrowsNamingTheSetting()
    {
        var create = () => new GcsObjectStore(new GcsObjectStoreOptions { ChunkSize = 300_000 });

        create.Should().Throw<OptionsValidationException>().WithMessage("*ChunkSize*");
    }

    [Fact]
    public async Task UploadAsync_InvalidBucketName_ThrowsStoragePermanentWithoutRequest()
    {
        using var content = new MemoryStream([1]);

        var write = () => _store.UploadAsync("Not_A_Valid/Bucket", "x.pdf", content, new ObjectWriteOptions());

        (await write.Should().ThrowAsync<StorageException>()).Which.Kind.Should().Be(FailureKind.StoragePermanent);
        _server.Requests.Should().BeEmpty();
    }

    private static GcsObjectStore CreateStore(Uri baseUri, int chunkSize = 256 * 1024) => new(new GcsObjectStoreOptions
    {
        BaseUri = baseUri,
        UnauthenticatedAccess = true,
        ChunkSize = chunkSize,
        SingleRequestUploadThreshold = 0,
        MaxRetryAttempts = MaxRetryAttempts,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
    });

    private async Task<ObjectInfo> UploadAsync(string name, string text, long? ifGenerationMatch = null)
    {
        using var content = new MemoryStream(Encoding.UTF8.GetBytes(text));
        return await _store.UploadAsync(Bucket, name, content, new ObjectWriteOptions { ContentType = "application/pdf", IfGenerationMatch = ifGenerationMatch });
    }

    /// <summary>A non-seekable stream of a deterministic byte pattern, generated as it is read (nothing held in memory).</summary>
    private sealed class PatternStream(long length) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public static byte[] Sha256(long length)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var stream = new PatternStream(length);
            var buffer = new byte[81920];
            int n;
            while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                hash.AppendData(buffer, 0, n);
            }

            return hash.GetHashAndReset();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - BytesRead);
            for (var i = 0; i < n; i++)
            {
                buffer[offset + i] = (byte)((BytesRead + i) * 31 % 251);
            }

            BytesRead += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class NonSeekableWriteStream : Stream
    {
        public long Written { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Written += count;
    }
}
