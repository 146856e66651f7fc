using System.Diagnostics;
using Docx2Pdf.Conversion;

namespace Docx2Pdf.Core.Tests.Conversion;

/// <summary>The converter's private folders: modes, ownership checks and the sweep of dead processes' folders (no LibreOffice).</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ConverterWorkspaceTests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly string _parent = TestFolders.Create("workspace");

    public void Dispose() => Directory.Delete(_parent, recursive: true);

    [Fact]
    public async Task CreateAsync_NewWorkFolder_FoldersAre0700AndFiles0600()
    {
        var workspace = new ConverterWorkspace(Path.Combine(_parent, "work"));

        await CreateAsync(workspace);
        var job = workspace.CreateJobFolder();
        var instance = workspace.CreateInstanceFolder(0);

        File.GetUnixFileMode(workspace.WorkFolder).Should().Be(Private);
        File.GetUnixFileMode(workspace.Root).Should().Be(Private);
        File.GetUnixFileMode(job).Should().Be(Private);
        File.GetUnixFileMode(Path.GetDirectoryName(job)!).Should().Be(Private);
        File.GetUnixFileMode(instance).Should().Be(Private);
        File.GetUnixFileMode(workspace.HelperScript).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        (await File.ReadAllTextAsync(workspace.HelperScript)).Should().Be("print('helper')");
    }

    [Fact]
    public async Task CreateAsync_WorkFolderWritableByOthers_Refuses()
    {
        var work = Path.Combine(_parent, "shared");
        Directory.CreateDirectory(work);
        File.SetUnixFileMode(work, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute | UnixFileMode.OtherRead);

        var act = () => CreateAsync(new ConverterWorkspace(work));

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("Docx2Pdf:LibreOffice:WorkFolder").And.Contain("writable by other users");
        Directory.EnumerateFileSystemEntries(work).Should().BeEmpty("nothing is written into a folder someone else could have prepared");
    }

    [Fact]
    public async Task CreateAsync_WorkFolderOfAnotherUser_Refuses()
    {
        var work = Path.Combine(_parent, "theirs");
        Directory.CreateDirectory(work);
        await RunAsync("chown", "65534", work); // nobody: the tests run as root, which may give folders away.

        var act = () => CreateAsync(new ConverterWorkspace(work));

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("belongs to user 65534");
        Directory.EnumerateFileSystemEntries(work).Should().BeEmpty();
    }

    [Fact]
    public async Task CreateAsync_WorkFolderIsSymbolicLink_Refuses()
    {
        var target = Path.Combine(_parent, "elsewhere");
        Directory.CreateDirectory(target);
        var link = Path.Combine(_parent, "link");
        Directory.CreateSymbolicLink(link, target);

        var act = () => CreateAsync(new ConverterWorkspace(link));

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("symbolic link");
        Directory.EnumerateFileSystemEntries(target).Should().BeEmpty();
    }

    [Fact]
    public async Task CreateAsync_FoldersOfDeadProcesses_AreSweptOthersKept()
    {
        var work = Path.Combine(_parent, "work");
        Directory.CreateDirectory(work);
        using var exited = Process.Start("true")!;
        await exited.WaitForExitAsync();
        var dead = Path.Combine(work, $"{exited.Id}-0123456789abcd");
        Directory.CreateDirectory(Path.Combine(dead, "jobs", "x"));
        await File.WriteAllTextAsync(Path.Combine(dead, "jobs", "x", "input"), "a copy of a document");
        await File.WriteAllTextAsync(Path.Combine(dead, ConverterWorkspace.MarkerFile), string.Empty);
        var alive = Path.Combine(work, $"{Environment.ProcessId}-aaaaaaaaaaaaaa");
        Directory.CreateDirectory(alive);
        await File.WriteAllTextAsync(Path.Combine(alive, ConverterWorkspace.MarkerFile), string.Empty);
        var notOurs = Path.Combine(work, $"{exited.Id}-notaworkspace");
        Directory.CreateDirectory(notOurs);
        var otherUser = Path.Combine(work, $"{exited.Id}-otheruser0000");
        Directory.CreateDirectory(otherUser);
        await File.WriteAllTextAsync(Path.Combine(otherUser, ConverterWorkspace.MarkerFile), string.Empty);
        await RunAsync("chown", "-R", "65534", otherUser);

        await CreateAsync(new ConverterWorkspace(work));

        Directory.Exists(dead).Should().BeFalse("its process is gone");
        Directory.Exists(alive).Should().BeTrue("its process runs");
        Directory.Exists(notOurs).Should().BeTrue("it carries no workspace marker");
        Directory.Exists(otherUser).Should().BeTrue("it belongs to another user");
    }

    [Fact]
    public void Environment_HostSecrets_NeverReachLibreOffice()
    {
        var environment = new Dictionary<string, string?>
        {
            ["PATH"] = "/usr/bin:/bin",
            ["LANG"] = "de_DE.UTF-8",
            ["LC_ALL"] = "C.UTF-8",
            ["SAL_LOG"] = "-WARN",
            ["FONTCONFIG_FILE"] = "/etc/fonts/fonts.conf",
            ["GOOGLE_APPLICATION_CREDENTIALS"] = "/secrets/key.json",
            ["AWS_SECRET_ACCESS_KEY"] = "secret",
            ["GITHUB_TOKEN"] = "token",
            ["K_SERVICE"] = "docx2pdf",
            ["HOME"] = "/root",
            ["TMPDIR"] = "/tmp",
        };

        OfficeEnvironment.Apply(environment, "/work/instance-0", "/work/instance-0/tmp");

        environment.Keys.Should().BeEquivalentTo("PATH", "LANG", "LC_ALL", "SAL_LOG", "FONTCONFIG_FILE", "HOME", "TMPDIR", "TMP", "TEMP", "SAL_USE_VCLPLUGIN");
        environment["HOME"].Should().Be("/work/instance-0");
        environment["TMPDIR"].Should().Be("/work/instance-0/tmp");
    }

    private static async Task CreateAsync(ConverterWorkspace workspace)
    {
        using var script = new MemoryStream("print('helper')"u8.ToArray());
        await workspace.CreateAsync(script, CancellationToken.None);
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        using var p = Process.Start(file, args)!;
        await p.WaitForExitAsync();
        p.ExitCode.Should().Be(0);
    }
}
