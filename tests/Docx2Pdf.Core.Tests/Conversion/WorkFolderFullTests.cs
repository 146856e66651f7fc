using Docx2Pdf.Conversion;
using Docx2Pdf.Core.Tests.Pipeline;
using Docx2Pdf.Pipeline;
using Docx2Pdf.Testing;
using Docx2Pdf.Testing.Doubles;

namespace Docx2Pdf.Core.Tests.Conversion;

/// <summary>
/// A full work-folder file system is the worker's problem, never the document's: against real LibreOffice on a small tmpfs
/// filled to the last page, the conversion fails as a transient storage failure and succeeds once space is back.
/// </summary>
[Trait("Layer", "Integration")]
public sealed class WorkFolderFullTests : IAsyncLifetime
{
    private readonly string _mount = TestFolders.Create("work-folder-full");
    private bool _mounted;

    private string Filler => Path.Combine(_mount, "filler");

    public async Task InitializeAsync()
    {
        // Not skipped when not root: a skipped test proves nothing, and CI runs as root. The reason is the failure message.
        NativeMethods.EffectiveUserId().Should().Be(0u, "this test mounts a 64 MiB tmpfs as the work folder so it can fill it, and mounting needs root (CI runs as root; run the test as root)");
        var mount = await ShellScript.RunAsync("mount", ["-t", "tmpfs", "-o", "size=64m,mode=0700", "tmpfs", _mount], TimeSpan.FromSeconds(30));
        mount.ExitCode.Should().Be(0, mount.ToString());
        _mounted = true;
    }

    public async Task DisposeAsync()
    {
        if (_mounted)
        {
            (await ShellScript.RunAsync("umount", ["-l", _mount], TimeSpan.FromSeconds(30))).ExitCode.Should().Be(0);
        }

        Directory.Delete(_mount, recursive: true);
    }

    [Theory]
    [InlineData(0)] // the copy of the input into the job folder fails with ENOSPC
    [InlineData(12 * 1024)] // the input fits; LibreOffice cannot write its temporary files or the PDF
    public async Task ConvertAsync_WorkFolderFileSystemFull_FailsAsStorageTransientAndConvertsOnceSpaceIsBack(int leaveFree)
    {
        await using var converter = new LibreOfficeConverter(new LibreOfficeOptions { PoolSize = 1, WorkFolder = _mount });
        await converter.WarmUpAsync();
        Fill(leaveFree);

        var act = () => converter.ConvertAsync(new MemoryStream(TestDocuments.Simple("No room")), Stream.Null);

        var failure = (await act.Should().ThrowAsync<StorageException>()).Which;
        failure.Kind.Should().Be(FailureKind.StorageTransient);
        failure.IsTransient.Should().BeTrue();
        failure.Message.Should().Contain("work folder's file system is full").And.Contain("Docx2Pdf:LibreOffice:WorkFolder");
        File.Delete(Filler);
        using var output = new MemoryStream();
        await converter.ConvertAsync(new MemoryStream(TestDocuments.Simple("Space is back")), output);
        Pdf.Text(output.ToArray()).Should().Contain("Space is back");
    }

    [Fact]
    public async Task ProcessAsync_DownloadIntoFullWorkFolder_RetriesWithoutARecordAndConvertsOnceSpaceIsBack()
    {
        // The download is the pipeline's own write into Docx2Pdf:WorkFolder; the converter is never reached while it is full.
        var converter = new GatedConverter();
        using var h = PipelineHarness.Create(converter, o => o.WorkFolder = _mount);
        var source = await h.PutAsync(PipelineHarness.InputBucket, "full.docx", new MemoryStream(TestDocuments.Simple("Downloaded later")));
        Fill(0);

        var full = await h.Pipeline.ProcessAsync(h.Notification(source, deliveryAttempt: 1));

        full.Status.Should().Be(ConversionStatus.FailedTransiently);
        full.FailureKind.Should().Be(FailureKind.StorageTransient);
        full.Detail.Should().Contain("work folder's file system is full").And.Contain("Docx2Pdf:WorkFolder");
        converter.Started.Should().Be(0);
        (await h.ReadFailureRecordAsync(source.Name)).Should().BeNull("a full disk is the worker's problem, not the document's");
        File.Delete(Filler);
        var later = await h.Pipeline.ProcessAsync(h.Notification(source, deliveryAttempt: 2));
        later.Status.Should().Be(ConversionStatus.Converted);
    }

    /// <summary>Fills the tmpfs to its last page, then gives back <paramref name="leaveFree"/> bytes.</summary>
    private void Fill(int leaveFree)
    {
        using var f = new FileStream(Filler, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        var block = new byte[1 << 16];
        try
        {
            while (true)
            {
                f.Write(block);
            }
        }
        catch (IOException ex) when (ConverterWorkspace.IsNoSpace(ex))
        {
        }

        f.SetLength(f.Length - leaveFree);
        new DriveInfo(_mount).AvailableFreeSpace.Should().BeLessThanOrEqualTo(leaveFree + 4096);
    }
}
