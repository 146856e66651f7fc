using Docx2Pdf.Conversion;
using Docx2Pdf.Testing;

namespace Docx2Pdf.Core.Tests.Conversion;

/// <summary>Crashes, timeouts, a full queue and disposal, each on its own small pool.</summary>
[Trait("Layer", "Integration")]
public sealed class PoolFailureTests : IDisposable
{
    private static readonly Lazy<byte[]> HugeDocument = new(() => TestDocuments.Huge());

    // The huge document only has to be still converting when the test acts; on a loaded machine it can take minutes,
    // so no conversion here may time out unless the test is about the timeout.
    private static readonly TimeSpan Patient = TimeSpan.FromMinutes(10);
    private readonly string _workFolder = TestFolders.Create("pool");

    public void Dispose() => Directory.Delete(_workFolder, recursive: true);

    [Fact]
    public async Task ConvertAsync_SofficeKilledMidConversion_FailsOnlyThatCallAsCrashAndLeavesNoZombie()
    {
        await using var converter = new LibreOfficeConverter(new LibreOfficeOptions { PoolSize = 2, WorkFolder = _workFolder, ConversionTimeout = Patient });
        await converter.WarmUpAsync();
        var victim = converter.InstanceProcesses[0].SofficePid;

        var running = new[] { OutcomeAsync(converter), OutcomeAsync(converter) };
        // Both conversions are inside their instances (the huge document takes seconds): kill one of them now.
        await WaitUntilAsync(() => converter.PeakConcurrency == 2);
        Kill9(victim);
        var outcomes = await Task.WhenAll(running);

        outcomes.Should().ContainSingle(o => o == null, "the conversion on the other instance is not affected");
        var failure = outcomes.Single(o => o != null).Should().BeOfType<ConversionFailedException>().Subject;
        failure.Kind.Should().Be(FailureKind.EngineCrashed);
        failure.IsTransient.Should().BeTrue();
        await ConvertGoodAsync(converter);
        IsZombieOrAlive(victim).Should().BeFalse();
        await WaitUntilAsync(() => converter.ReadyInstances == 2); // the crashed instance was replaced

        static async Task<Exception?> OutcomeAsync(LibreOfficeConverter converter)
        {
            try
            {
                await converter.ConvertAsync(new MemoryStream(HugeDocument.Value), Stream.Null);
                return null;
            }
            catch (Docx2PdfException ex)
            {
                return ex;
            }
        }
    }

    [Fact]
    public async Task ConvertAsync_SofficeKilledWhileIdle_NextCallStillSucceeds()
    {
        await using var converter = NewConverter();
        await converter.WarmUpAsync();
        Kill9(converter.InstanceProcesses.Single().SofficePid);
        await WaitUntilAsync(() => converter.ReadyInstances == 0); // the pool sees the instance dead

        await ConvertGoodAsync(converter);
    }

    [Fact]
    public async Task ConvertAsync_OverTimeout_KilledTypedAsTimeoutAndPoolRecovers()
    {
        var options = new LibreOfficeOptions { PoolSize = 1, WorkFolder = _workFolder, ConversionTimeout = TimeSpan.FromMilliseconds(300) };
        await using var converter = new LibreOfficeConverter(options);
        await converter.WarmUpAsync();
        var (helper, soffice) = converter.InstanceProcesses.Single();

        var act = () => converter.ConvertAsync(new MemoryStream(HugeDocument.Value), Stream.Null);

        var timeout = (await act.Should().ThrowAsync<ConversionTimeoutException>()).Which;
        timeout.Kind.Should().Be(FailureKind.ConversionTimeout);
        IsZombieOrAlive(soffice).Should().BeFalse();
        IsZombieOrAlive(helper).Should().BeFalse();

        // The same options object backs the converter: give the next document room to finish on a busy machine.
        options.ConversionTimeout = Patient;
        await ConvertGoodAsync(converter);
        converter.InstanceProcesses.Single().SofficePid.Should().NotBe(soffice);
    }

    [Fact]
    public async Task ConvertAsync_QueueFull_AnswersBusyAtOnce()
    {
        await using var converter = new LibreOfficeConverter(new LibreOfficeOptions { PoolSize = 1, QueueLength = 0, WorkFolder = _workFolder, ConversionTimeout = Patient });
        await converter.WarmUpAsync();
        var running = converter.ConvertAsync(new MemoryStream(HugeDocument.Value), Stream.Null);
        await WaitUntilAsync(() => converter.PeakConcurrency == 1);

        var act = () => converter.ConvertAsync(new MemoryStream(TestDocuments.Simple("waiting")), Stream.Null);

        var failure = (await act.Should().ThrowAsync<ConverterBusyException>()).Which;
        failure.IsTransient.Should().BeTrue();
        failure.Message.Should().Contain("QueueLength");
        running.IsCompleted.Should().BeFalse("the answer came without waiting for the running conversion");
        await running;
    }

    [Fact]
    public async Task ConvertAsync_QueueTimeoutPasses_AnswersBusy()
    {
        await using var converter = new LibreOfficeConverter(new LibreOfficeOptions { PoolSize = 1, QueueLength = 1, QueueTimeout = TimeSpan.FromMilliseconds(100), WorkFolder = _workFolder, ConversionTimeout = Patient });
        await converter.WarmUpAsync();
        var running = converter.ConvertAsync(new MemoryStream(HugeDocument.Value), Stream.Null);
        await WaitUntilAsync(() => converter.PeakConcurrency == 1);

        var act = () => converter.ConvertAsync(new MemoryStream(TestDocuments.Simple("waiting")), Stream.Null);

        (await act.Should().ThrowAsync<ConverterBusyException>()).Which.Message.Should().Contain("QueueTimeout");
        await running;
    }

    [Fact]
    public async Task ConvertAsync_Cancelled_ThrowsCancelledAndPoolRecovers()
    {
        await using var converter = NewConverter();
        await converter.WarmUpAsync();
        using var cts = new CancellationTokenSource();
        var running = converter.ConvertAsync(new MemoryStream(HugeDocument.Value), Stream.Null, cancellationToken: cts.Token);
        await WaitUntilAsync(() => converter.PeakConcurrency == 1);

        await cts.CancelAsync();

        await FluentActions.Awaiting(() => running).Should().ThrowAsync<OperationCanceledException>();
        await ConvertGoodAsync(converter);
    }

    [Fact]
    public async Task ConvertAsync_AfterMaxConversions_InstanceIsReplaced()
    {
        await using var converter = new LibreOfficeConverter(new LibreOfficeOptions { PoolSize = 1, MaxConversionsPerInstance = 2, WorkFolder = _workFolder });
        await converter.WarmUpAsync();
        var first = converter.InstanceProcesses.Single().SofficePid;

        await ConvertGoodAsync(converter);
        converter.InstanceProcesses.Single().SofficePid.Should().Be(first);
        await ConvertGoodAsync(converter);
        await ConvertGoodAsync(converter);

        converter.InstanceProcesses.Single().SofficePid.Should().NotBe(first);
        IsZombieOrAlive(first).Should().BeFalse();
    }

    [Fact]
    public async Task ConvertAsync_ColdMode_ConvertsAndKeepsNoInstanceRunning()
    {
        await using var converter = new LibreOfficeConverter(new LibreOfficeOptions { PoolSize = 1, ColdMode = true, WorkFolder = _workFolder });

        await ConvertGoodAsync(converter);
        await ConvertGoodAsync(converter);

        await WaitUntilAsync(() => converter.ReadyInstances == 0);
        converter.ReadyInstances.Should().Be(0);
    }

    [Fact]
    public async Task DisposeAsync_AfterConversions_LeavesNoProcessAndNoFolder()
    {
        var converter = new LibreOfficeConverter(new LibreOfficeOptions { PoolSize = 2, WorkFolder = _workFolder });
        await converter.WarmUpAsync();
        await ConvertGoodAsync(converter);
        var pids = converter.InstanceProcesses.SelectMany(p => new[] { p.HelperPid, p.SofficePid }).ToList();
        var root = converter.RootFolder;
        pids.Should().HaveCount(4);
        converter.ReadyInstances.Should().Be(2);

        await converter.DisposeAsync();

        pids.Should().OnlyContain(pid => !IsZombieOrAlive(pid));
        Directory.Exists(root).Should().BeFalse();
        Directory.EnumerateFileSystemEntries(_workFolder).Should().BeEmpty();
        await FluentActions.Awaiting(() => converter.ConvertAsync(new MemoryStream(), Stream.Null)).Should().ThrowAsync<ObjectDisposedException>();
    }

    [Fact]
    public async Task WarmUpAsync_FolderLeftByDeadProcess_IsRemoved()
    {
        using var exited = System.Diagnostics.Process.Start("true")!;
        await exited.WaitForExitAsync();
        var stale = Path.Combine(_workFolder, $"{exited.Id}-deadbeef");
        Directory.CreateDirectory(Path.Combine(stale, "instance-0", "tmp", "lu123.tmp"));
        File.WriteAllText(Path.Combine(stale, "docx2pdf_uno_helper.py"), string.Empty);
        await using var converter = NewConverter();

        await converter.WarmUpAsync();

        Directory.Exists(stale).Should().BeFalse();
        Directory.Exists(converter.RootFolder).Should().BeTrue();
    }

    [Fact]
    public async Task Helper_ParentGoneStdinClosed_KillsSofficeAndRemovesItsPipe()
    {
        // What happens when the .NET parent dies: the helper's stdin closes.
        await using var converter = NewConverter();
        await converter.WarmUpAsync();
        var instance = Path.Combine(_workFolder, "orphan");
        Directory.CreateDirectory(Path.Combine(instance, "tmp"));
        using (var cp = System.Diagnostics.Process.Start("cp", ["-r", Path.Combine(converter.RootFolder, "profile-template"), Path.Combine(instance, "profile")])!)
        {
            await cp.WaitForExitAsync();
        }

        var pipe = "docx2pdf_test_" + Guid.NewGuid().ToString("N")[..8];
        var start = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["soffice"] = LibreOfficeInstallation.Locate(new LibreOfficeOptions()).SofficeBin,
            ["profileUrl"] = new Uri(Path.Combine(instance, "profile")).AbsoluteUri,
            ["tmp"] = Path.Combine(instance, "tmp"),
            ["pipe"] = pipe,
            ["startTimeoutSeconds"] = 30,
        });
        var psi = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3", ["-u", Path.Combine(converter.RootFolder, "docx2pdf_uno_helper.py"), start])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        psi.Environment["PYTHONPATH"] = LibreOfficeInstallation.Locate(new LibreOfficeOptions()).PythonModules;
        using var helper = System.Diagnostics.Process.Start(psi)!;
        var ready = System.Text.Json.JsonDocument.Parse(await helper.StandardOutput.ReadLineAsync() ?? "{}").RootElement;
        ready.GetProperty("event").GetString().Should().Be("ready");
        var soffice = ready.GetProperty("sofficePid").GetInt32();
        IsZombieOrAlive(soffice).Should().BeTrue();
        var socket = $"/tmp/OSL_PIPE_{Uid()}_{pipe}";
        File.Exists(socket).Should().BeTrue();

        helper.StandardInput.Close();
        await helper.WaitForExitAsync();

        IsZombieOrAlive(soffice).Should().BeFalse();
        File.Exists(socket).Should().BeFalse();
    }

    [Fact]
    public async Task ConvertAsync_InputOverSizeLimit_FailsAsTooLarge()
    {
        await using var converter = new LibreOfficeConverter(new LibreOfficeOptions { PoolSize = 1, MaxInputBytes = 1000, WorkFolder = _workFolder });

        var act = () => converter.ConvertAsync(new MemoryStream(HugeDocument.Value), Stream.Null);

        (await act.Should().ThrowAsync<DocumentRejectedException>()).Which.Kind.Should().Be(FailureKind.DocumentTooLarge);
    }

    private LibreOfficeConverter NewConverter() => new(new LibreOfficeOptions { PoolSize = 1, WorkFolder = _workFolder, ConversionTimeout = Patient });

    private static async Task ConvertGoodAsync(LibreOfficeConverter converter)
    {
        using var output = new MemoryStream();
        await using var input = File.OpenRead(Corpus.Get("python-docx/default.docx").FullPath);
        await converter.ConvertAsync(input, output);
        Pdf.CountPages(output.ToArray()).Should().Be(1);
    }

    private static string Uid() =>
        File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];

    private static void Kill9(int pid) => System.Diagnostics.Process.GetProcessById(pid).Kill();

    /// <summary>True while /proc/pid exists, zombie or not: a reaped process is gone.</summary>
    private static bool IsZombieOrAlive(int pid) => Directory.Exists($"/proc/{pid}");

    private static Task WaitUntilAsync(Func<bool> condition, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(condition))] string what = "") =>
        Eventually.UntilAsync(condition, TimeSpan.FromMinutes(2), what);
}
