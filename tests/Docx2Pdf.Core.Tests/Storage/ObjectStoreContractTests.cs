using System.Security.Cryptography;
using System.Text;
using Docx2Pdf.Storage;
using Docx2Pdf.Testing;

namespace Docx2Pdf.Core.Tests.Storage;

/// <summary>
/// The <see cref="IObjectStore"/> contract every store and server must meet. Cases that need preconditions, reads of an
/// exact generation, multi-chunk resumable uploads or names ending in '/' are in <see cref="ObjectStoreFullContractTests"/>,
/// which a server lacking them (the Firebase Storage emulator) does not derive from.
/// </summary>
public abstract class ObjectStoreContractTests
{
    /// <summary>A bucket of its own for each test (xunit makes one instance per test).</summary>
    protected string Bucket { get; } = "contract-" + Guid.NewGuid().ToString("N")[..16];

    protected abstract IObjectStore Store { get; }

    protected static ObjectWriteOptions Docx(IReadOnlyDictionary<string, string>? metadata = null, long? ifGenerationMatch = null) => new()
    {
        ContentType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Metadata = metadata ?? new Dictionary<string, string>(),
        IfGenerationMatch = ifGenerationMatch,
    };

    protected async Task<ObjectInfo> UploadBytesAsync(string name, byte[] bytes, ObjectWriteOptions? options = null)
    {
        using var content = new MemoryStream(bytes);
        return await Store.UploadAsync(Bucket, name, content, options ?? new ObjectWriteOptions());
    }

    protected async Task<byte[]> DownloadBytesAsync(string name, long generation)
    {
        using var destination = new MemoryStream();
        await Store.DownloadAsync(Bucket, name, generation, destination);
        return destination.ToArray();
    }

    [Fact]
    public async Task UploadAsync_CorpusDocument_ReturnsInfoAndDownloadsSameBytes()
    {
        var document = Corpus.Convertible.First();
        var metadata = new Dictionary<string, string> { ["source-bucket"] = "in", ["Source-Generation"] = "42" };
        ObjectInfo written;
        await using (var file = File.OpenRead(document.FullPath))
        {
            written = await Store.UploadAsync(Bucket, "docs/" + Path.GetFileName(document.FullPath), file, Docx(metadata));
        }

        written.Bucket.Should().Be(Bucket);
        written.Name.Should().Be("docs/" + Path.GetFileName(document.FullPath));
        written.Generation.Should().BePositive();
        written.Size.Should().Be(document.Bytes);
        written.ContentType.Should().Be(Docx().ContentType);
        written.Metadata.Should().Equal(metadata);

        var downloaded = await DownloadBytesAsync(written.Name, written.Generation);
        SHA256.HashData(downloaded).Should().Equal(SHA256.HashData(await File.ReadAllBytesAsync(document.FullPath)));
    }

    [Fact]
    public async Task GetInfoAsync_AfterUpload_MatchesUploadResult()
    {
        var written = await UploadBytesAsync("info.docx", [1, 2, 3], Docx(new Dictionary<string, string> { ["k"] = "v" }));

        var info = await Store.GetInfoAsync(Bucket, "info.docx");

        info.Should().NotBeNull();
        info!.Generation.Should().Be(written.Generation);
        info.Size.Should().Be(3);
        info.ContentType.Should().Be(Docx().ContentType);
        info.Metadata.Should().Equal(new Dictionary<string, string> { ["k"] = "v" });
    }

    [Fact]
    public async Task GetInfoAsync_MissingObject_ReturnsNull()
    {
        await UploadBytesAsync("present.docx", [1]);

        var info = await Store.GetInfoAsync(Bucket, "absent.docx");

        info.Should().BeNull();
    }

    [Fact]
    public async Task UploadAsync_EmptyContent_StoresZeroBytes()
    {
        var written = await UploadBytesAsync("empty.docx", []);

        written.Size.Should().Be(0);
        (await DownloadBytesAsync("empty.docx", written.Generation)).Should().BeEmpty();
    }

    [Fact]
    public async Task UploadAsync_Overwrite_NewGenerationIsGreaterAndLive()
    {
        var first = await UploadBytesAsync("doc.docx", Encoding.UTF8.GetBytes("first"));
        var second = await UploadBytesAsync("doc.docx", Encoding.UTF8.GetBytes("second"));

        second.Generation.Should().BeGreaterThan(first.Generation);
        (await Store.GetInfoAsync(Bucket, "doc.docx"))!.Generation.Should().Be(second.Generation);
        Encoding.UTF8.GetString(await DownloadBytesAsync("doc.docx", second.Generation)).Should().Be("second");
    }

    [Fact]
    public async Task DownloadAsync_MissingObject_ThrowsStorageNotFound()
    {
        await UploadBytesAsync("present.docx", [1]);

        var read = () => DownloadBytesAsync("absent.docx", 1);

        (await read.Should().ThrowAsync<StorageException>()).Which.Kind.Should().Be(FailureKind.StorageNotFound);
    }

    [Fact]
    public async Task DeleteAsync_ExistingObject_RemovesIt()
    {
        var written = await UploadBytesAsync("gone.docx", [1, 2]);

        await Store.DeleteAsync(Bucket, "gone.docx");

        (await Store.GetInfoAsync(Bucket, "gone.docx")).Should().BeNull();
        var read = () => DownloadBytesAsync("gone.docx", written.Generation);
        (await read.Should().ThrowAsync<StorageException>()).Which.Kind.Should().Be(FailureKind.StorageNotFound);
    }

    [Fact]
    public async Task DeleteAsync_MissingObject_Succeeds()
    {
        await UploadBytesAsync("present.docx", [1]);

        var delete = () => Store.DeleteAsync(Bucket, "never-written.docx");

        await delete.Should().NotThrowAsync();
        (await Store.GetInfoAsync(Bucket, "present.docx")).Should().NotBeNull();
    }

    [Theory]
    [InlineData("reports/2024/Q1 résumé #1?.docx")]
    [InlineData("日本語/文書.docx")]
    [InlineData("../escape.docx")]
    [InlineData("a//b/./c.docx")]
    public async Task UploadAsync_UnusualName_RoundTripsUnderSameName(string name)
    {
        var written = await UploadBytesAsync(name, Encoding.UTF8.GetBytes(name));

        var info = await Store.GetInfoAsync(Bucket, name);

        info!.Name.Should().Be(name);
        Encoding.UTF8.GetString(await DownloadBytesAsync(name, written.Generation)).Should().Be(name);
    }

    [Fact]
    public async Task UploadAsync_NamesDifferingByCase_StayDistinct()
    {
        string[] names = ["Case.docx", "case.docx", "CASE.docx"];
        foreach (var name in names)
        {
            await UploadBytesAsync(name, Encoding.UTF8.GetBytes(name));
        }

        foreach (var name in names)
        {
            var info = await Store.GetInfoAsync(Bucket, name);
            Encoding.UTF8.GetString(await DownloadBytesAsync(name, info!.Generation)).Should().Be(name);
        }
    }

    [Fact]
    public async Task UploadAsync_NonSeekableStream_StoresAllBytes()
    {
        var bytes = RandomNumberGenerator.GetBytes(300_000);
        using var content = new NonSeekableStream(new MemoryStream(bytes));

        var written = await Store.UploadAsync(Bucket, "stream.bin", content, new ObjectWriteOptions());

        written.Size.Should().Be(bytes.Length);
        (await DownloadBytesAsync("stream.bin", written.Generation)).Should().Equal(bytes);
    }
}

/// <summary>
/// The whole contract: the base cases plus preconditions, reads of an exact generation, multi-chunk resumable uploads and
/// names ending in '/'. The Firebase Storage emulator fails each of these (it ignores preconditions and the generation of a
/// read, truncates multi-chunk uploads and sends an invalid Content-Disposition for names ending in '/').
/// </summary>
public abstract class ObjectStoreFullContractTests : ObjectStoreContractTests
{
    [Fact]
    public async Task DownloadAsync_GenerationNoLongerLive_ThrowsStorageNotFound()
    {
        var first = await UploadBytesAsync("doc.docx", Encoding.UTF8.GetBytes("first"));
        await UploadBytesAsync("doc.docx", Encoding.UTF8.GetBytes("second"));

        var readOld = () => DownloadBytesAsync("doc.docx", first.Generation);

        (await readOld.Should().ThrowAsync<StorageException>()).Which.Kind.Should().Be(FailureKind.StorageNotFound);
    }

    [Fact]
    public async Task UploadAsync_NamesDifferingByTrailingSlash_StayDistinct()
    {
        string[] names = ["folder/doc.docx", "folder/doc.docx/", "folder/doc.docx//"];
        foreach (var name in names)
        {
            await UploadBytesAsync(name, Encoding.UTF8.GetBytes(name));
        }

        foreach (var name in names)
        {
            var info = await Store.GetInfoAsync(Bucket, name);
            Encoding.UTF8.GetString(await DownloadBytesAsync(name, info!.Generation)).Should().Be(name);
        }
    }

    /// <summary>Bytes large enough to need several upload chunks with the store the derived class configures.</summary>
    protected virtual int MultiChunkSize => 3 * 1024 * 1024 + 12345;

    [Fact]
    public async Task UploadAsync_IfGenerationMatchZeroAndAbsent_Creates()
    {
        var written = await UploadBytesAsync("new.pdf", [7], Docx(ifGenerationMatch: 0));

        written.Generation.Should().BePositive();
        (await Store.GetInfoAsync(Bucket, "new.pdf"))!.Generation.Should().Be(written.Generation);
    }

    [Fact]
    public async Task UploadAsync_IfGenerationMatchZeroAndPresent_ThrowsPreconditionFailedAndKeepsObject()
    {
        var first = await UploadBytesAsync("taken.pdf", Encoding.UTF8.GetBytes("first"));

        var write = () => UploadBytesAsync("taken.pdf", Encoding.UTF8.GetBytes("second"), Docx(ifGenerationMatch: 0));

        (await write.Should().ThrowAsync<StorageException>()).Which.Kind.Should().Be(FailureKind.StoragePreconditionFailed);
        (await Store.GetInfoAsync(Bucket, "taken.pdf"))!.Generation.Should().Be(first.Generation);
        Encoding.UTF8.GetString(await DownloadBytesAsync("taken.pdf", first.Generation)).Should().Be("first");
    }

    [Fact]
    public async Task UploadAsync_IfGenerationMatchLive_Replaces()
    {
        var first = await UploadBytesAsync("replace.pdf", [1]);

        var second = await UploadBytesAsync("replace.pdf", [2], Docx(ifGenerationMatch: first.Generation));

        second.Generation.Should().BeGreaterThan(first.Generation);
        (await DownloadBytesAsync("replace.pdf", second.Generation)).Should().Equal(2);
    }

    [Fact]
    public async Task UploadAsync_IfGenerationMatchStale_ThrowsPreconditionFailed()
    {
        var first = await UploadBytesAsync("stale.pdf", [1]);
        var second = await UploadBytesAsync("stale.pdf", [2]);

        var write = () => UploadBytesAsync("stale.pdf", [3], Docx(ifGenerationMatch: first.Generation));

        (await write.Should().ThrowAsync<StorageException>()).Which.Kind.Should().Be(FailureKind.StoragePreconditionFailed);
        (await Store.GetInfoAsync(Bucket, "stale.pdf"))!.Generation.Should().Be(second.Generation);
    }

    [Fact]
    public async Task UploadAsync_IfGenerationMatchNonZeroAndAbsent_ThrowsPreconditionFailed()
    {
        await UploadBytesAsync("other.pdf", [1]);

        var write = () => UploadBytesAsync("absent.pdf", [3], Docx(ifGenerationMatch: 12345));

        (await write.Should().ThrowAsync<StorageException>()).Which.Kind.Should().Be(FailureKind.StoragePreconditionFailed);
        (await Store.GetInfoAsync(Bucket, "absent.pdf")).Should().BeNull();
    }

    [Fact]
    public async Task DeleteAsync_IfGenerationMatchStale_ThrowsPreconditionFailedAndKeepsObject()
    {
        var first = await UploadBytesAsync("keep.pdf", [1]);
        var second = await UploadBytesAsync("keep.pdf", [2]);

        var delete = () => Store.DeleteAsync(Bucket, "keep.pdf", first.Generation);

        (await delete.Should().ThrowAsync<StorageException>()).Which.Kind.Should().Be(FailureKind.StoragePreconditionFailed);
        (await Store.GetInfoAsync(Bucket, "keep.pdf"))!.Generation.Should().Be(second.Generation);
    }

    [Fact]
    public async Task DeleteAsync_IfGenerationMatchLive_Deletes()
    {
        var written = await UploadBytesAsync("drop.pdf", [1]);

        await Store.DeleteAsync(Bucket, "drop.pdf", written.Generation);

        (await Store.GetInfoAsync(Bucket, "drop.pdf")).Should().BeNull();
    }

    [Fact]
    public async Task UploadAsync_MultiChunkNonSeekable_RoundTripsAllBytes()
    {
        var bytes = RandomNumberGenerator.GetBytes(MultiChunkSize);
        using var content = new NonSeekableStream(new MemoryStream(bytes));

        var written = await Store.UploadAsync(Bucket, "large.bin", content, new ObjectWriteOptions { IfGenerationMatch = 0 });

        written.Size.Should().Be(bytes.Length);
        SHA256.HashData(await DownloadBytesAsync("large.bin", written.Generation)).Should().Equal(SHA256.HashData(bytes));
    }
}
