using System.Diagnostics;
using System.Text.Json;
using Docx2Pdf.Conversion;
using Docx2Pdf.Testing;

namespace Docx2Pdf.Core.Tests.Conversion;

/// <summary>What LibreOffice may take from the host and what it can do to it: environment, memory, its own cleanup.</summary>
[Trait("Layer", "Integration")]
public sealed class EngineIsolationTests : IDisposable
{
    private static readonly string[] SetByConverter = ["HOME", "TMPDIR", "TMP", "TEMP", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE"];
    private static readonly Lazy<byte[]> HugeText = new(() => TestDocuments.Huge());
    private readonly string _workFolder = TestFolders.Create("isolation");

    public void Dispose() => Directory.Delete(_workFolder, recursive: true);

    [Fact]
    public async Task WarmUpAsync_HostHasCredentials_LibreOfficeAndHelperSeeOnlyTheAllowList()
    {
        // A name nothing else in the test run reads; the allow-list drops every name it does not know.
        Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", "not-for-libreoffice");
        await using var converter = new LibreOfficeConverter(new LibreOfficeOptions { PoolSize = 1, WorkFolder = _workFolder });
        await converter.WarmUpAsync();
        var (helper, soffice) = converter.InstanceProcesses.Single();

        foreach (var pid in new[] { helper, soffice })
        {
            var environment = ReadEnvironment(pid);
            environment.Should().NotContainKey("AWS_SESSION_TOKEN");
            environment.Keys.Where(k => !OfficeEnvironment.IsAllowed(k)).Should().BeSubsetOf(SetByConverter);
            environment["HOME"].Should().StartWith(converter.RootFolder);
        }

        Environment.GetEnvironmentVariable("AWS_SESSION_TOKEN").Should().Be("not-for-libreoffice", "the host itself still has it");
    }

    [Fact]
    public async Task WarmUpAsync_MemoryCapSet_SofficeRunsUnderAddressLimitAndIsTheOomKillersFirstChoice()
    {
        const long cap = 512L * 1024 * 1024;
        await using var converter = new LibreOfficeConverter(new LibreOfficeOptions { PoolSize = 1, WorkFolder = _workFolder, InstanceMemoryLimitBytes = cap });
        await converter.WarmUpAsync();
        var (helper, soffice) = converter.InstanceProcesses.Single();

        var limit = File.ReadLines($"/proc/{soffice}/limits").Single(l => l.StartsWith("Max address space", StringComparison.Ordinal));
        limit.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3].Should().Be(OfficeInstance.AddressSpaceLimit(cap).ToString(System.Globalization.CultureInfo.InvariantCulture));
        (await File.ReadAllTextAsync($"/proc/{soffice}/oom_score_adj")).Trim().Should().Be("1000");
        (await File.ReadAllTextAsync($"/proc/{helper}/oom_score_adj")).Trim().Should().Be("1000");
        (await File.ReadAllTextAsync($"/proc/{Environment.ProcessId}/oom_score_adj")).Trim().Should().NotBe("1000", "the host keeps its own score");
    }

    [Fact]
    public async Task ConvertAsync_DocumentNeedingGigabytes_FailsAsTooComplexAndPoolKeepsServing()
    {
        // Three 14000 x 14000 pictures: about 0.8 GB resident each to render; the cap allows 400 MiB.
        var document = GeneratedDocuments.HugePictures();
        var options = new LibreOfficeOptions { PoolSize = 1, WorkFolder = _workFolder, InstanceMemoryLimitBytes = 400L * 1024 * 1024, ConversionTimeout = TimeSpan.FromMinutes(3) };
        await using var converter = new LibreOfficeConverter(options);
        await converter.WarmUpAsync();
        var before = converter.InstanceProcesses.Single().SofficePid;

        var act = () => converter.ConvertAsync(new MemoryStream(document), Stream.Null);

        var failure = (await act.Should().ThrowAsync<ConversionFailedException>()).Which;
        failure.Kind.Should().Be(FailureKind.TooComplex);
        failure.IsTransient.Should().BeTrue();
        failure.Message.Should().Contain("InstanceMemoryLimitBytes");
        Directory.Exists($"/proc/{before}").Should().BeFalse("the instance past its cap was killed and reaped");
        using var output = new MemoryStream();
        await converter.ConvertAsync(new MemoryStream(TestDocuments.Simple("Still serving")), output);
        Pdf.Text(output.ToArray()).Should().Contain("Still serving");
        converter.InstanceProcesses.Single().SofficePid.Should().NotBe(before);
    }

    [Fact]
    public async Task Helper_ParentKilledMidConversion_KillsSofficeRemovesItsPipeAndExits()
    {
        await using var converter = new LibreOfficeConverter(new LibreOfficeOptions { PoolSize = 1, WorkFolder = _workFolder });
        await converter.WarmUpAsync();
        var instance = Path.Combine(_workFolder, "orphan");
        ConverterWorkspace.CopyTree(Path.Combine(converter.RootFolder, "profile-template"), Path.Combine(instance, "profile"));
        Directory.CreateDirectory(Path.Combine(instance, "tmp"));
        var document = Path.Combine(instance, "huge.docx");
        await File.WriteAllBytesAsync(document, HugeText.Value);
        var pipe = "docx2pdf_test_" + Guid.NewGuid().ToString("N")[..8];
        var start = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["soffice"] = LibreOfficeInstallation.Locate(new LibreOfficeOptions()).SofficeBin,
            ["profileUrl"] = new Uri(Path.Combine(instance, "profile")).AbsoluteUri,
            ["tmp"] = Path.Combine(instance, "tmp"),
            ["pipe"] = pipe,
            ["startTimeoutSeconds"] = 30,
        });
        var request = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = 1, ["input"] = document, ["output"] = Path.Combine(instance, "out.pdf"), ["filter"] = "MS Word 2007 XML", ["pdfVersion"] = 0,
        });
        // The parent the helper will lose: starts it, hands it a long conversion, reports, then waits to be killed.
        const string Parent = """
            import subprocess, sys
            helper = subprocess.Popen(["/usr/bin/python3", "-u", sys.argv[1], sys.argv[2]], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            ready = helper.stdout.readline().decode()
            helper.stdin.write((sys.argv[3] + "\n").encode()); helper.stdin.flush()
            print(helper.pid); print(ready, end=""); sys.stdout.flush()
            sys.stdin.read()
            """;
        var psi = new ProcessStartInfo("/usr/bin/python3", ["-c", Parent, Path.Combine(converter.RootFolder, ConverterWorkspace.HelperScriptName), start, request])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        psi.Environment["PYTHONPATH"] = LibreOfficeInstallation.Locate(new LibreOfficeOptions()).PythonModules;
        using var parent = Process.Start(psi)!;
        var helper = int.Parse(await parent.StandardOutput.ReadLineAsync() ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        var ready = JsonDocument.Parse(await parent.StandardOutput.ReadLineAsync() ?? "{}").RootElement;
        ready.GetProperty("event").GetString().Should().Be("ready");
        var soffice = ready.GetProperty("sofficePid").GetInt32();
        var socket = $"/tmp/OSL_PIPE_{NativeMethods.EffectiveUserId()}_{pipe}";
        File.Exists(socket).Should().BeTrue();
        var ticks = CpuTicks(soffice);
        await WaitUntilAsync(() => CpuTicks(soffice) > ticks + 5); // soffice.bin is working on the document

        parent.Kill();
        await parent.WaitForExitAsync();

        await WaitUntilAsync(() => !ProcFs.IsRunning(helper));
        Directory.Exists($"/proc/{soffice}").Should().BeFalse("the helper killed and reaped soffice.bin");
        File.Exists(socket).Should().BeFalse();
        File.Exists(Path.Combine(instance, "out.pdf")).Should().BeFalse("the conversion was cut short");
    }

    private static Dictionary<string, string> ReadEnvironment(int pid) =>
        File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Split('=', 2)).ToDictionary(e => e[0], e => e.Length > 1 ? e[1] : string.Empty, StringComparer.Ordinal);

    /// <summary>utime + stime of <paramref name="pid"/>, in clock ticks.</summary>
    private static long CpuTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 1200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        condition().Should().BeTrue();
    }
}
