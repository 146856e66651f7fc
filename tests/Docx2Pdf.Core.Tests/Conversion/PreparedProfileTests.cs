using Docx2Pdf.Conversion;

namespace Docx2Pdf.Core.Tests.Conversion;

/// <summary>
/// Fast layer: how profile preparation retries a failing <c>soffice.bin --terminate_after_init</c>. The soffice.bin here is
/// a script that fails a given number of times (a LibreOffice that is momentarily refused resources cannot be produced
/// on demand); it counts its runs in a file beside itself, since LibreOffice's environment is an allow-list.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PreparedProfileTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "docx2pdf-tests", $"profile-{Guid.NewGuid():N}");

    public PreparedProfileTests() => Directory.CreateDirectory(_root);

    [Fact]
    public async Task PrepareAsync_StartFailsThreeTimesThenSucceeds_ProfileIsPrepared()
    {
        var installation = FakeSoffice(failures: 3, exitCode: 1);

        await PreparedProfile.PrepareAsync(installation, Path.Combine(_root, "profile"), Tmp(), TimeSpan.FromMinutes(2), TimeProvider.System, CancellationToken.None);

        Runs().Should().Be(4, "three failures are retried after pauses, the fourth run succeeds");
        PreparedProfile.IsPreparedFor(Path.Combine(_root, "profile"), installation).Should().BeTrue();
    }

    [Fact]
    public async Task PrepareAsync_RestartRequiredOnce_RetriedAndPrepared()
    {
        var installation = FakeSoffice(failures: 1, exitCode: 81);

        await PreparedProfile.PrepareAsync(installation, Path.Combine(_root, "profile"), Tmp(), TimeSpan.FromMinutes(2), TimeProvider.System, CancellationToken.None);

        Runs().Should().Be(2);
    }

    [Fact]
    public async Task PrepareAsync_StartAlwaysFails_ThrowsListingEachAttemptWithinTheBudget()
    {
        var installation = FakeSoffice(failures: int.MaxValue, exitCode: 7);

        var prepare = () => PreparedProfile.PrepareAsync(installation, Path.Combine(_root, "profile"), Tmp(), TimeSpan.FromSeconds(1), TimeProvider.System, CancellationToken.None);

        var message = (await prepare.Should().ThrowAsync<InvalidOperationException>()).Which.Message;
        message.Should().Contain("exit 7 after").And.Contain("apt-get install");
        Runs().Should().BeGreaterThan(1, "a failed start is retried").And.BeLessThan(10, "the pauses between attempts count against the one-second budget");
        Directory.Exists(Path.Combine(_root, "profile")).Should().BeFalse("a half-prepared profile is never moved into place");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Tmp() => Directory.CreateDirectory(Path.Combine(_root, "tmp")).FullName;

    private int Runs() => File.Exists(Path.Combine(_root, "bin", "runs")) ? File.ReadAllLines(Path.Combine(_root, "bin", "runs")).Length : 0;

    private LibreOfficeInstallation FakeSoffice(int failures, int exitCode)
    {
        var bin = Directory.CreateDirectory(Path.Combine(_root, "bin")).FullName;
        var script = Path.Combine(bin, "soffice.bin");
        File.WriteAllText(script, $"""
            #!/bin/sh
            here=$(dirname "$0")
            echo run >> "$here/runs"
            [ "$(wc -l < "$here/runs")" -gt {Math.Min(failures, 1_000_000)} ] && exit 0
            echo "simulated start failure" >&2
            exit {exitCode}
            """.ReplaceLineEndings("\n"));
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new LibreOfficeInstallation(script, "/usr/bin/python3", bin, "25.2");
    }
}
