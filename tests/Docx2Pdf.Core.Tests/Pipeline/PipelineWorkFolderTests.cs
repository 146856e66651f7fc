using System.Diagnostics;
using System.Globalization;
using Docx2Pdf.Conversion;
using Docx2Pdf.Core.Tests.Conversion;
using Docx2Pdf.Notifications;
using Docx2Pdf.Pipeline;
using Docx2Pdf.Testing.Doubles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Docx2Pdf.Core.Tests.Pipeline;

/// <summary>
/// The pipeline's work folder uses the converter's workspace: one private root per process, swept at the next start when
/// the process was killed (a SIGKILLed host leaves full copies of documents otherwise), 0700 folders and 0600 files.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PipelineWorkFolderTests : IDisposable
{
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly string _parent = TestFolders.Create("pipeline-work");

    public void Dispose() => Directory.Delete(_parent, recursive: true);

    [Fact]
    public async Task Start_FolderOfDeadProcess_IsSweptAndLiveProcessFolderKept()
    {
        var work = Path.Combine(_parent, "work");
        ConverterWorkspace.CreatePrivateFolder(work);
        using var exited = Process.Start("true")!;
        await exited.WaitForExitAsync();
        var dead = Path.Combine(work, string.Create(CultureInfo.InvariantCulture, $"{exited.Id}-0123456789abcd"));
        Directory.CreateDirectory(Path.Combine(dead, "jobs", "0a1b"));
        await File.WriteAllTextAsync(Path.Combine(dead, "jobs", "0a1b", "source.docx"), "a full copy of a confidential document");
        await File.WriteAllTextAsync(Path.Combine(dead, ConverterWorkspace.MarkerFile), string.Empty);
        using var running = Process.Start("sleep", "600")!;
        try
        {
            var alive = Path.Combine(work, string.Create(CultureInfo.InvariantCulture, $"{running.Id}-aaaaaaaaaaaaaa"));
            Directory.CreateDirectory(Path.Combine(alive, "jobs", "0c1d"));
            await File.WriteAllTextAsync(Path.Combine(alive, "jobs", "0c1d", "source.docx"), "in use by another host");
            await File.WriteAllTextAsync(Path.Combine(alive, ConverterWorkspace.MarkerFile), string.Empty);

            string root;
            using (var services = Build(work))
            {
                var pipeline = services.GetRequiredService<IConversionPipeline>();

                Directory.Exists(dead).Should().BeFalse("its process is gone, and so must be its copies of documents");
                File.Exists(Path.Combine(alive, "jobs", "0c1d", "source.docx")).Should().BeTrue("its process still runs");
                root = ((ConversionPipeline)pipeline).WorkRoot;
                Path.GetDirectoryName(root).Should().Be(work);
                Path.GetFileName(root).Should().StartWith(string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId}-"), "a later start tells from the name whether the owner died");
                File.Exists(Path.Combine(root, ConverterWorkspace.MarkerFile)).Should().BeTrue("the sweep deletes only marked folders");
                File.GetUnixFileMode(root).Should().Be(PrivateFolder);
                File.GetUnixFileMode(work).Should().Be(PrivateFolder);
            }

            Directory.Exists(root).Should().BeFalse("disposing the pipeline (host stop) removes its root");
        }
        finally
        {
            running.Kill();
            await running.WaitForExitAsync();
        }
    }

    [Fact]
    public void Start_WorkFolderWritableByOthers_RefusesNamingTheSetting()
    {
        var work = Path.Combine(_parent, "shared");
        Directory.CreateDirectory(work);
        File.SetUnixFileMode(work, PrivateFolder | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        using var services = Build(work);

        var act = () => services.GetRequiredService<IConversionPipeline>();

        act.Should().Throw<InvalidOperationException>().Which.Message.Should().Contain("Docx2Pdf:WorkFolder").And.Contain("writable by other users");
        Directory.EnumerateFileSystemEntries(work).Should().BeEmpty("nothing is written into a folder someone else could have prepared");
    }

    [Fact]
    public async Task Process_WhileConverting_SourceCopyIsPrivateUnderThisProcessRoot()
    {
        var converter = new GatedConverter();
        converter.Close();
        using var harness = PipelineHarness.Create(converter);
        var info = await harness.PutCorpusAsync(PipelineHarness.InputBucket, "private.docx", "poi/sample.docx");

        var processing = harness.Pipeline.ProcessAsync(harness.Notification(info));
        await converter.WaitForStartedAsync(1);
        var copies = Directory.GetFiles(harness.Options.WorkFolder, "source.docx", SearchOption.AllDirectories);
        var fileModes = copies.Select(File.GetUnixFileMode).ToList();
        var folderModes = copies.Select(c => File.GetUnixFileMode(Path.GetDirectoryName(c)!)).ToList();
        converter.Open();
        var outcome = await processing;

        copies.Should().ContainSingle();
        var copy = copies[0];
        var root = Path.GetRelativePath(harness.Options.WorkFolder, copy).Split(Path.DirectorySeparatorChar)[0];
        root.Should().StartWith(string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId}-"));
        fileModes.Should().Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        folderModes.Should().Equal(PrivateFolder);
        outcome.Status.Should().Be(ConversionStatus.Converted, outcome.Detail);
        harness.AssertNoTempFiles();
    }

    private static ServiceProvider Build(string work)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDocx2Pdf(o =>
        {
            o.OutputBucket = PipelineHarness.OutputBucket;
            o.WorkFolder = work;
        });
        services.Replace(ServiceDescriptor.Singleton<IDocumentConverter>(new GatedConverter()));
        return services.BuildServiceProvider();
    }
}
