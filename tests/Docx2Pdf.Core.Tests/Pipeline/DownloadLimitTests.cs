using System.IO.Compression;
using Docx2Pdf.Pipeline;
using Docx2Pdf.Storage;
using Docx2Pdf.Testing.Doubles;
using Docx2Pdf.Testing.Storage;

namespace Docx2Pdf.Core.Tests.Pipeline;

/// <summary>
/// Downloads are capped on the bytes that arrive, not on metadata (issue 9, finding 9): over <see cref="GcsObjectStore"/>
/// speaking HTTP to <see cref="GcsTestServer"/>, with the stand-in converter (no LibreOffice).
/// </summary>
[Trait("Layer", "Integration")]
public sealed class DownloadLimitTests : IAsyncLifetime
{
    private const string In = PipelineHarness.InputBucket;
    private GcsTestServer _server = null!;

    public async Task InitializeAsync() => _server = await GcsTestServer.StartAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task ProcessAsync_GzipEncodedObject_FailsAsInvalidDocumentWithoutDownloading()
    {
        // Cloud Storage serves it decompressed: 20 KiB stored, 64 MiB of zeros on the wire. Before: downloaded and converted.
        var converter = new GatedConverter();
        using var store = CreateStore();
        using var h = PipelineHarness.Create(converter, store: store);
        _server.PutObject(In, "gz/report.docx", Gzip(new byte[64 * 1024 * 1024]), PipelineHarness.DocxContentType, contentEncoding: "gzip");
        var info = (await store.GetInfoAsync(In, "gz/report.docx"))!;

        var outcome = await h.Pipeline.ProcessAsync(h.Notification(info));

        info.ContentEncoding.Should().Be("gzip");
        outcome.Status.Should().Be(ConversionStatus.FailedPermanently, outcome.Detail);
        outcome.FailureKind.Should().Be(FailureKind.InvalidDocument);
        outcome.Detail.Should().Contain("Content-Encoding");
        _server.Requests.Should().NotContain(r => r.Contains("alt=media", StringComparison.Ordinal));
        converter.Started.Should().Be(0);
        h.AssertNoTempFiles();
    }

    [Fact]
    public async Task ProcessAsync_ObjectLargerThanItsMetadataSays_StopsAtMaxDocumentBytes()
    {
        // The resource says 1000 bytes; the server sends 8 MiB. Before: all of it was written to the work folder and converted.
        var converter = new GatedConverter();
        using var store = CreateStore();
        using var h = PipelineHarness.Create(converter, o => o.MaxDocumentBytes = 64 * 1024, store: store);
        _server.PutObject(In, "big/liar.docx", new byte[8 * 1024 * 1024], PipelineHarness.DocxContentType, reportedSize: 1000);
        var info = (await store.GetInfoAsync(In, "big/liar.docx"))!;

        var outcome = await h.Pipeline.ProcessAsync(h.Notification(info));

        info.Size.Should().Be(1000);
        outcome.FailureKind.Should().Be(FailureKind.DocumentTooLarge, outcome.Detail);
        outcome.Status.Should().Be(ConversionStatus.FailedPermanently);
        outcome.Detail.Should().Contain("MaxDocumentBytes");
        converter.Started.Should().Be(0);
        _server.Requests.Count(r => r.Contains("alt=media", StringComparison.Ordinal)).Should().Be(1, "the cap is a document failure, not retried as a storage one");
        h.AssertNoTempFiles();
    }

    private GcsObjectStore CreateStore() => new(new GcsObjectStoreOptions
    {
        BaseUri = _server.BaseUri,
        UnauthenticatedAccess = true,
        MaxRetryAttempts = 2,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
    });

    private static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gzip = new GZipStream(ms, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return ms.ToArray();
    }
}

/// <summary>The same cap over the local store, behind a decorator whose metadata understates the size.</summary>
public sealed class FileSystemDownloadLimitTests
{
    [Fact]
    public async Task ProcessAsync_LocalObjectLargerThanItsMetadataSays_StopsAtMaxDocumentBytes()
    {
        var converter = new GatedConverter();
        var root = Docx2Pdf.Core.Tests.Conversion.TestFolders.Create("download-limit");
        try
        {
            var store = new UnderstatingStore(new FileSystemObjectStore(new FileSystemObjectStoreOptions { RootPath = root }));
            using var h = PipelineHarness.Create(converter, o => o.MaxDocumentBytes = 64 * 1024, store: store);
            var written = await store.UploadAsync(PipelineHarness.InputBucket, "big/liar.docx", new MemoryStream(new byte[1024 * 1024]), new ObjectWriteOptions());

            var outcome = await h.Pipeline.ProcessAsync(h.Notification(written with { Size = 1000 }));

            outcome.FailureKind.Should().Be(FailureKind.DocumentTooLarge, outcome.Detail);
            converter.Started.Should().Be(0);
            h.AssertNoTempFiles();
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private sealed class UnderstatingStore(IObjectStore inner) : IObjectStore
    {
        public async Task<ObjectInfo?> GetInfoAsync(string bucket, string objectName, CancellationToken cancellationToken = default) =>
            await inner.GetInfoAsync(bucket, objectName, cancellationToken) is { } info ? info with { Size = Math.Min(info.Size, 1000) } : null;

        public Task DownloadAsync(string bucket, string objectName, long generation, Stream destination, CancellationToken cancellationToken = default) =>
            inner.DownloadAsync(bucket, objectName, generation, destination, cancellationToken);

        public Task<ObjectInfo> UploadAsync(string bucket, string objectName, Stream content, ObjectWriteOptions options, CancellationToken cancellationToken = default) =>
            inner.UploadAsync(bucket, objectName, content, options, cancellationToken);

        public Task DeleteAsync(string bucket, string objectName, long? ifGenerationMatch = null, CancellationToken cancellationToken = default) =>
            inner.DeleteAsync(bucket, objectName, ifGenerationMatch, cancellationToken);
    }
}
