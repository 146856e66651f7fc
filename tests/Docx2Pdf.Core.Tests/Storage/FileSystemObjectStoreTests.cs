using System.Diagnostics;
using System.Text;
using Docx2Pdf.Storage;
using Docx2Pdf.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Docx2Pdf.Core.Tests.Storage;

public sealed class FileSystemObjectStoreTests : IDisposable
{
    private const string Bucket = "docs-in";
    private readonly string _parent = Path.Combine(Path.GetTempPath(), "docx2pdf-fs-" + Guid.NewGuid().ToString("N"));
    private readonly string _root;
    private readonly FileSystemObjectStore _store;

    public FileSystemObjectStoreTests()
    {
        _root = Path.Combine(_parent, "root");
        Directory.CreateDirectory(_root);
        _store = new FileSystemObjectStore(new FileSystemObjectStoreOptions { RootPath = _root });
    }

    public static TheoryData<string> HostileNames => new(HostileNameList);

    private static readonly string[] HostileNameList =
    [
        "../x.docx",
        "../../../../../../etc/passwd",
        "/abs.docx",
        "a\\b.docx",
        "..\\..\\win.docx",
        "C:\\Windows\\x.docx",
        "trailing/",
        "line1\nline2.docx",
        "cr\r\n.docx",
        "nul\0inside.docx",
        "..",
        ".",
        "~/home.docx",
        "Ελληνικά/русский/中文/العربية.docx",
        "emoji 😀 file.docx",
        new string('a', 1024),
        string.Concat(Enumerable.Repeat("é", 512)), // 1,024 UTF-8 bytes, 512 characters
        string.Concat(Enumerable.Repeat("../", 341)), // 1,023 bytes of parent hops
    ];

    [Theory]
    [MemberData(nameof(HostileNames))]
    public async Task UploadAsync_HostileName_RoundTripsAndStaysInsideBucketFolder(string name)
    {
        var bytes = Encoding.UTF8.GetBytes("content of " + name);

        ObjectInfo written;
        using (var content = new MemoryStream(bytes))
        {
            written = await _store.UploadAsync(Bucket, name, content, new ObjectWriteOptions());
        }

        (await _store.GetInfoAsync(Bucket, name))!.Name.Should().Be(name);
        using var destination = new MemoryStream();
        await _store.DownloadAsync(Bucket, name, written.Generation, destination);
        destination.ToArray().Should().Equal(bytes);
        (await _store.ListAsync(Bucket)).Select(o => o.Name).Should().Equal(name);

        Directory.EnumerateFileSystemEntries(_parent).Should().Equal(_root);
        Directory.EnumerateFileSystemEntries(_root).Should().Equal(Path.Combine(_root, Bucket));
        Directory.EnumerateDirectories(Path.Combine(_root, Bucket)).Should().BeEmpty();
        Directory.EnumerateFiles(Path.Combine(_root, Bucket)).Select(Path.GetFileName)
            .Should().OnlyContain(f => f == ".lock" || (f!.Length == 68 && f.EndsWith(".obj", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task UploadAsync_ManyHostileNames_AllDistinctAndListed()
    {
        var names = HostileNameList.Concat(["A.docx", "a.docx", "a.docx/", "a.docx\n", "e\u0301.docx", "\u00e9.docx"]).ToList();
        foreach (var name in names)
        {
            using var content = new MemoryStream(Encoding.UTF8.GetBytes(name));
            await _store.UploadAsync(Bucket, name, content, new ObjectWriteOptions());
        }

        var listed = await _store.ListAsync(Bucket);

        listed.Select(o => o.Name).Should().BeEquivalentTo(names);
        foreach (var info in listed)
        {
            using var destination = new MemoryStream();
            await _store.DownloadAsync(Bucket, info.Name, info.Generation, destination);
            Encoding.UTF8.GetString(destination.ToArray()).Should().Be(info.Name);
        }
    }

    [Fact]
    public async Task UploadAsync_NameOver1024Bytes_ThrowsStoragePermanent()
    {
        using var content = new MemoryStream([1]);

        var write = () => _store.UploadAsync(Bucket, new string('a', 1025), content, new ObjectWriteOptions());

        (await write.Should().ThrowAsync<StorageException>()).Which.Kind.Should().Be(FailureKind.StoragePermanent);
        Directory.EnumerateFileSystemEntries(_root).Should().BeEmpty();
    }

    [Fact]
    public async Task UploadAsync_UnpairedSurrogate_ThrowsStoragePermanent()
    {
        using var content = new MemoryStream([1]);

        var write = () => _store.UploadAsync(Bucket, "bad\ud800.docx", content, new ObjectWriteOptions());

        (await write.Should().ThrowAsync<StorageException>()).Which.Kind.Should().Be(FailureKind.StoragePermanent);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("../etc")]
    [InlineData("ab")]
    [InlineData("Upper-Case")]
    [InlineData("a/b-bucket")]
    [InlineData("a\\b-bucket")]
    [InlineData("-leading-dash")]
    [InlineData("bucket..dots")]
    public async Task UploadAsync_InvalidBucket_ThrowsStoragePermanentAndWritesNothing(string bucket)
    {
        using var content = new MemoryStream([1]);

        var write = () => _store.UploadAsync(bucket, "x.docx", content, new ObjectWriteOptions());

        (await write.Should().ThrowAsync<StorageException>()).Which.Kind.Should().Be(FailureKind.StoragePermanent);
        Directory.EnumerateFileSystemEntries(_parent).Should().Equal(_root);
        Directory.EnumerateFileSystemEntries(_root).Should().BeEmpty();
    }

    [Fact]
    public async Task UploadAsync_CancelledMidStream_LeavesNoTempFileAndNoObject()
    {
        using var cts = new CancellationTokenSource();
        using var content = new CallbackStream(100_000, afterFirstRead: cts.Cancel);

        var write = () => _store.UploadAsync(Bucket, "cancelled.pdf", content, new ObjectWriteOptions(), cts.Token);

        await write.Should().ThrowAsync<OperationCanceledException>();
        (await _store.GetInfoAsync(Bucket, "cancelled.pdf")).Should().BeNull();
        Directory.GetFiles(_root, "*.tmp", SearchOption.AllDirectories).Should().BeEmpty();
    }

    [Fact]
    public async Task UploadAsync_SourceStreamFails_LeavesNoTempFileAndKeepsOldObject()
    {
        var old = await UploadAsync("doc.pdf", "old");
        using var content = new CallbackStream(100_000, afterFirstRead: () => throw new InvalidDataException("source broke"));

        var write = () => _store.UploadAsync(Bucket, "doc.pdf", content, new ObjectWriteOptions());

        await write.Should().ThrowAsync<InvalidDataException>();
        (await _store.GetInfoAsync(Bucket, "doc.pdf"))!.Generation.Should().Be(old.Generation);
        Directory.GetFiles(_root, "*.tmp", SearchOption.AllDirectories).Should().BeEmpty();
    }

    [Fact]
    public async Task UploadAsync_PreconditionFails_LeavesNoTempFile()
    {
        await UploadAsync("doc.pdf", "old");

        var write = () => UploadAsync("doc.pdf", "new", ifGenerationMatch: 0);

        (await write.Should().ThrowAsync<StorageException>()).Which.Kind.Should().Be(FailureKind.StoragePreconditionFailed);
        Directory.GetFiles(_root, "*.tmp", SearchOption.AllDirectories).Should().BeEmpty();
    }

    [Fact]
    public async Task UploadAsync_TenParallelCreateIfAbsent_ExactlyOneWins()
    {
        var attempts = Enumerable.Range(0, 10).Select(i => Task.Run(() => UploadAsync("race.pdf", "writer " + i, ifGenerationMatch: 0)));

        var results = await Task.WhenAll(attempts.Select(Outcome));

        results.Count(r => r is null).Should().Be(1);
        results.Where(r => r is not null).Should().AllSatisfy(r => r!.Kind.Should().Be(FailureKind.StoragePreconditionFailed));
        (await _store.ListAsync(Bucket)).Should().ContainSingle();
        Directory.GetFiles(_root, "*.tmp", SearchOption.AllDirectories).Should().BeEmpty();
    }

    [Fact]
    public async Task UploadAsync_ParallelCreateIfAbsentThroughSeparateStores_ExactlyOneWins()
    {
        // Separate instances share no in-process lock: only the file lock on the bucket folder serializes them, as across processes.
        var stores = Enumerable.Range(0, 10).Select(_ => new FileSystemObjectStore(new FileSystemObjectStoreOptions { RootPath = _root })).ToList();
        var attempts = stores.Select((store, i) => Task.Run(async () =>
        {
            using var content = new MemoryStream(Encoding.UTF8.GetBytes("writer " + i));
            return await store.UploadAsync(Bucket, "race.pdf", content, new ObjectWriteOptions { IfGenerationMatch = 0 });
        }));

        var results = await Task.WhenAll(attempts.Select(Outcome));

        results.Count(r => r is null).Should().Be(1);
        results.Where(r => r is not null).Should().AllSatisfy(r => r!.Kind.Should().Be(FailureKind.StoragePreconditionFailed));
    }

    [Fact]
    public async Task UploadAsync_BucketLockHeldByAnotherProcess_CommitsOnlyAfterItIsReleased()
    {
        var bucketDir = Directory.CreateDirectory(Path.Combine(_root, Bucket)).FullName;
        var psi = new ProcessStartInfo("flock", ["-x", Path.Combine(bucketDir, ".lock"), "-c", "echo locked; read line"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        using var holder = Process.Start(psi)!;
        try
        {
            (await holder.StandardOutput.ReadLineAsync()).Should().Be("locked");

            // The store retries a held lock on its clock: a timer on the fake clock is the event "tried, found it locked,
            // waits". A broken lock (DOTNET_SYSTEM_IO_DISABLEFILELOCKING=1) finishes the upload instead, without a timer.
            var time = new TimerCountingTimeProvider(new FakeTimeProvider(DateTimeOffset.UtcNow));
            var store = new FileSystemObjectStore(new FileSystemObjectStoreOptions { RootPath = _root }, time);
            using var content = new MemoryStream("content"u8.ToArray());
            var upload = store.UploadAsync(Bucket, "doc.pdf", content, new ObjectWriteOptions { IfGenerationMatch = 0 });
            await Eventually.UntilAsync(() => time.TimersCreated > 0 || upload.IsCompleted, TimeSpan.FromMinutes(1), "the upload to reach the bucket lock");

            upload.IsCompleted.Should().BeFalse("another process holds the bucket lock");
            Directory.GetFiles(bucketDir, "*.obj").Should().BeEmpty();
            await holder.StandardInput.WriteLineAsync();
            await holder.WaitForExitAsync();

            // Released: each step of the clock lets the store try again, and the next try takes the lock.
            await Eventually.UntilAsync(
                () =>
                {
                    time.Advance(TimeSpan.FromMilliseconds(5));
                    return upload.IsCompleted;
                },
                TimeSpan.FromMinutes(1),
                "the upload to take the released lock");
            (await upload).Generation.Should().BePositive();
        }
        finally
        {
            if (!holder.HasExited)
            {
                holder.Kill();
            }

            await holder.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task UploadAsync_ParallelReplaceOfSameGeneration_ExactlyOneWins()
    {
        var first = await UploadAsync("doc.pdf", "v1");
        var attempts = Enumerable.Range(0, 10).Select(i => Task.Run(() => UploadAsync("doc.pdf", "v2 by " + i, ifGenerationMatch: first.Generation)));

        var results = await Task.WhenAll(attempts.Select(Outcome));

        results.Count(r => r is null).Should().Be(1);
        (await _store.GetInfoAsync(Bucket, "doc.pdf"))!.Generation.Should().BeGreaterThan(first.Generation);
    }

    [Fact]
    public async Task UploadAsync_FrozenClock_GenerationsStillIncreaseAndUpdatedIsClockTime()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var store = new FileSystemObjectStore(new FileSystemObjectStoreOptions { RootPath = _root }, clock);

        var generations = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            using var content = new MemoryStream([(byte)i]);
            var info = await store.UploadAsync(Bucket, "same.pdf", content, new ObjectWriteOptions());
            info.Updated.Should().Be(clock.GetUtcNow());
            generations.Add(info.Generation);
        }

        await store.DeleteAsync(Bucket, "same.pdf");
        using (var content = new MemoryStream([9]))
        {
            generations.Add((await store.UploadAsync(Bucket, "same.pdf", content, new ObjectWriteOptions())).Generation);
        }

        generations.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        generations[0].Should().BeGreaterThanOrEqualTo((clock.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10);
    }

    [Fact]
    public async Task DownloadAsync_ReaderOpenDuringOverwrite_ReadsTheGenerationItOpened()
    {
        var big = new byte[2_000_000];
        Array.Fill(big, (byte)'a');
        ObjectInfo first;
        using (var content = new MemoryStream(big))
        {
            first = await _store.UploadAsync(Bucket, "doc.pdf", content, new ObjectWriteOptions());
        }

        // The destination overwrites the object after the first chunk of the download arrived.
        using var destination = new CallbackWriteStream(() => UploadAsync("doc.pdf", "new content").GetAwaiter().GetResult());
        await _store.DownloadAsync(Bucket, "doc.pdf", first.Generation, destination);

        destination.Written.Should().Be(big.Length);
        destination.AllBytesWere((byte)'a').Should().BeTrue();
        (await _store.GetInfoAsync(Bucket, "doc.pdf"))!.Generation.Should().BeGreaterThan(first.Generation);
    }

    [Fact]
    public async Task GetInfoAsync_FileChangedOutsideStore_ThrowsStoragePermanent()
    {
        await UploadAsync("doc.pdf", "content");
        var file = Directory.GetFiles(Path.Combine(_root, Bucket), "*.obj").Single();
        await File.WriteAllTextAsync(file, "not an object file");

        var read = () => _store.GetInfoAsync(Bucket, "doc.pdf");

        (await read.Should().ThrowAsync<StorageException>()).Which.Kind.Should().Be(FailureKind.StoragePermanent);
    }

    [Fact]
    public async Task UploadAsync_FirstWriteToBucket_RemovesOnlyOldLeftoverTempFiles()
    {
        var bucketDir = Directory.CreateDirectory(Path.Combine(_root, Bucket)).FullName;
        var old = Path.Combine(bucketDir, "dead.crashed.tmp");
        var fresh = Path.Combine(bucketDir, "live.inflight.tmp");
        await File.WriteAllTextAsync(old, "half");
        await File.WriteAllTextAsync(fresh, "half");
        File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddDays(-1));

        await UploadAsync("doc.pdf", "content");

        File.Exists(old).Should().BeFalse();
        File.Exists(fresh).Should().BeTrue("a recent temp file may belong to another process's write in progress");
        File.Delete(fresh);
    }

    [Fact]
    public void Constructor_EmptyRootPath_ThrowsNamingTheSetting()
    {
        var create = () => new FileSystemObjectStore(new FileSystemObjectStoreOptions());

        create.Should().Throw<ArgumentException>().WithMessage("*RootPath*");
    }

    public void Dispose() => Directory.Delete(_parent, recursive: true);

    private async Task<ObjectInfo> UploadAsync(string name, string text, long? ifGenerationMatch = null)
    {
        using var content = new MemoryStream(Encoding.UTF8.GetBytes(text));
        return await _store.UploadAsync(Bucket, name, content, new ObjectWriteOptions { IfGenerationMatch = ifGenerationMatch });
    }

    private static async Task<StorageException?> Outcome(Task task)
    {
        try
        {
            await task;
            return null;
        }
        catch (StorageException ex)
        {
            return ex;
        }
    }

    /// <summary>Endless 'x' bytes in small reads; runs a callback after the first read (to cancel or fail mid-stream).</summary>
    private sealed class CallbackStream(int chunk, Action afterFirstRead) : Stream
    {
        private int _reads;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadCore(buffer.AsSpan(offset, count));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(ReadCore(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int ReadCore(Span<byte> buffer)
        {
            if (_reads++ == 1)
            {
                afterFirstRead();
            }

            var n = Math.Min(chunk, buffer.Length);
            buffer[..n].Fill((byte)'x');
            return n;
        }
    }

    /// <summary>Counts written bytes, checks they are all one value, and runs a callback after the first write.</summary>
    private sealed class CallbackWriteStream(Action afterFirstWrite) : Stream
    {
        private readonly HashSet<byte> _seen = [];
        private bool _called;

        public long Written { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Written;

        public override long Position { get => Written; set => throw new NotSupportedException(); }

        public bool AllBytesWere(byte value) => _seen.Count == 1 && _seen.Contains(value);

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => WriteCore(buffer.AsSpan(offset, count));

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            WriteCore(buffer.Span);
            return ValueTask.CompletedTask;
        }

        private void WriteCore(ReadOnlySpan<byte> buffer)
        {
            foreach (var b in buffer)
            {
                _seen.Add(b);
            }

            Written += buffer.Length;
            if (!_called)
            {
                _called = true;
                afterFirstWrite();
            }
        }
    }
}

/// <summary>A clock that counts the timers created on it (each one a wait the code under test started).</summary>
internal sealed class TimerCountingTimeProvider(FakeTimeProvider inner) : TimeProvider
{
    private int _timers;

    public int TimersCreated => Volatile.Read(ref _timers);

    public void Advance(TimeSpan delta) => inner.Advance(delta);

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

    public override long GetTimestamp() => inner.GetTimestamp();

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Interlocked.Increment(ref _timers);
        return inner.CreateTimer(callback, state, dueTime, period);
    }
}
