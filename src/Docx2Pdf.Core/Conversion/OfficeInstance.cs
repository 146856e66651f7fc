using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Docx2Pdf.Conversion;

/// <summary>How a request to an instance ended when it did not produce a response line.</summary>
internal enum InstanceFailure
{
    /// <summary>The helper or soffice.bin died.</summary>
    Crashed,

    /// <summary>The execution timeout passed; the instance was killed.</summary>
    TimedOut,
}

/// <summary>Thrown by <see cref="OfficeInstance.ConvertAsync"/> when the instance died or was killed.</summary>
internal sealed class InstanceFailedException(InstanceFailure failure, string message) : Exception(message)
{
    public InstanceFailure Failure { get; } = failure;
}

/// <summary>
/// One warm LibreOffice: a Python helper (its own process group, see docx2pdf_uno_helper.py) that owns one soffice.bin
/// with a private profile and TMPDIR, and speaks line-delimited JSON over stdin/stdout. One request at a time.
/// </summary>
internal sealed class OfficeInstance : IAsyncDisposable
{
    private readonly Process _helper;
    private readonly string _directory;
    private readonly string _profileUrl;
    private readonly string _pipeName;
    private readonly ILogger _logger;
    private readonly Task _readLoop;
    private readonly TaskCompletionSource<HelperMessage> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource<HelperMessage>? _pending;
    private long _nextId;
    private int _disposed;

    private OfficeInstance(Process helper, string directory, string profileUrl, string pipeName, int slot, ILogger logger)
    {
        _helper = helper;
        _directory = directory;
        _profileUrl = profileUrl;
        _pipeName = pipeName;
        _logger = logger;
        Slot = slot;
        HelperPid = helper.Id;
        _readLoop = Task.Run(ReadLoopAsync);
        _ = helper.StandardError.ReadToEndAsync(); // Only Python tracebacks; drained so the pipe never blocks.
    }

    public int Slot { get; }

    public int HelperPid { get; }

    public int SofficePid { get; private set; }

    public int Conversions { get; set; }

    public TimeSpan StartDuration { get; private set; }

    /// <summary>Set when a document that needs a fresh process after it (embedded fonts) was converted.</summary>
    public bool Tainted { get; set; }

    /// <summary>Both processes still run (a killed, unreaped soffice.bin shows as a zombie).</summary>
    public bool IsAlive => Volatile.Read(ref _disposed) == 0 && !_helper.HasExited && ProcessAlive(SofficePid);

    /// <summary>Starts the helper and waits until soffice.bin accepts UNO calls.</summary>
    public static async Task<OfficeInstance> StartAsync(LibreOfficeInstallation installation, string helperScript, string templateProfile, string directory,
        int slot, TimeSpan startTimeout, ILogger logger, CancellationToken cancellationToken)
    {
        // Fresh every start: a profile or TMPDIR left by a killed instance (lu*.tmp folders, locks) is wiped.
        DeleteDirectory(directory);
        var profile = Path.Combine(directory, "profile");
        var tmp = Path.Combine(directory, "tmp");
        CopyDirectory(templateProfile, profile);
        Directory.CreateDirectory(tmp);
        var profileUrl = new Uri(profile).AbsoluteUri;
        var pipeName = "docx2pdf_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var start = new HelperStart(installation.SofficeBin, profileUrl, tmp, pipeName, startTimeout.TotalSeconds);
        var psi = new ProcessStartInfo(installation.Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = tmp,
            StandardOutputEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add("-u");
        psi.ArgumentList.Add(helperScript);
        psi.ArgumentList.Add(JsonSerializer.Serialize(start, HelperJsonContext.Default.HelperStart));
        psi.Environment["TMPDIR"] = tmp;
        psi.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        psi.Environment["PYTHONPATH"] = installation.PythonModules;

        var process = Process.Start(psi) ?? throw new InvalidOperationException("The LibreOffice helper did not start.");
        var instance = new OfficeInstance(process, directory, profileUrl, pipeName, slot, logger);
        try
        {
            var ready = await instance._ready.Task.WaitAsync(startTimeout + TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            instance.SofficePid = ready.SofficePid;
            instance.StartDuration = TimeSpan.FromMilliseconds(ready.StartMs);
            return instance;
        }
        catch
        {
            await instance.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends one request and waits for its answer, the instance's death, or the timeout (which kills the instance).</summary>
    public async Task<HelperMessage> ConvertAsync(HelperRequest request, TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var tcs = new TaskCompletionSource<HelperMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        request = request with { Id = Interlocked.Increment(ref _nextId) };
        Volatile.Write(ref _pending, tcs);
        if (_readLoop.IsCompleted)
        {
            throw new InstanceFailedException(InstanceFailure.Crashed, "The LibreOffice helper is not running.");
        }

        try
        {
            await _helper.StandardInput.WriteLineAsync(JsonSerializer.Serialize(request, HelperJsonContext.Default.HelperRequest).AsMemory(), cancellationToken).ConfigureAwait(false);
            await _helper.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new InstanceFailedException(InstanceFailure.Crashed, "The LibreOffice helper closed its input: " + ex.Message);
        }

        try
        {
            return await tcs.Task.WaitAsync(timeout, timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await KillAsync().ConfigureAwait(false);
            throw new InstanceFailedException(InstanceFailure.TimedOut, "The conversion timed out.");
        }
        catch (OperationCanceledException)
        {
            // A UNO call cannot be aborted: the only way to stop the work is to end the instance.
            await KillAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Resident memory of soffice.bin in bytes (VmRSS), or null when it is gone.</summary>
    public long? ReadRssBytes() => ReadRss(SofficePid);

    internal static long? ReadRss(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    private static bool ProcessAlive(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        try
        {
            // Field 3 of /proc/<pid>/stat is the state; Z = zombie (dead, not yet reaped by the helper).
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] != 'Z' && stat[close + 2] != 'X';
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (await _helper.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                HelperMessage? message;
                try
                {
                    message = JsonSerializer.Deserialize(line, HelperJsonContext.Default.HelperMessage);
                }
                catch (JsonException)
                {
                    continue; // Not ours (a library printing to stdout); the protocol lines are all JSON objects.
                }

                if (message is null)
                {
                    continue;
                }

                if (message.Event == "ready")
                {
                    _ready.TrySetResult(message);
                }
                else if (message.Event == "startFailed")
                {
                    _ready.TrySetException(new InvalidOperationException("LibreOffice did not start: " + message.Message));
                }
                else if (message.Id is not null)
                {
                    Interlocked.Exchange(ref _pending, null)?.TrySetResult(message);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The helper went away; handled below like an end of stream.
        }

        _ready.TrySetException(new InvalidOperationException("The LibreOffice helper exited during start."));
        Interlocked.Exchange(ref _pending, null)?.TrySetException(new InstanceFailedException(InstanceFailure.Crashed, "The LibreOffice instance exited during the conversion."));
    }

    /// <summary>Kills soffice.bin first (its parent, the helper, reaps it), then the whole process group.</summary>
    private async Task KillAsync()
    {
        NativeMethods.KillProcess(SofficePid, NativeMethods.SIGKILL);
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await _helper.WaitForExitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        NativeMethods.KillGroup(HelperPid, NativeMethods.SIGKILL);
        await _helper.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_helper.HasExited)
            {
                // Closing stdin asks the helper to kill and reap soffice.bin and exit; the group kill is the backstop.
                try
                {
                    _helper.StandardInput.Close();
                }
                catch (IOException)
                {
                }

                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                try
                {
                    await _helper.WaitForExitAsync(grace.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    await KillAsync().ConfigureAwait(false);
                }
            }

            NativeMethods.KillGroup(HelperPid, NativeMethods.SIGKILL);
            await _helper.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            await _readLoop.ConfigureAwait(false);
        }
        finally
        {
            _helper.Dispose();
            RemovePipeSockets();
            DeleteDirectory(_directory);
            Log.InstanceStopped(_logger, Slot, SofficePid);
        }
    }

    /// <summary>LibreOffice's pipe sockets live in /tmp whatever TMPDIR says; a killed instance leaves them behind.</summary>
    private void RemovePipeSockets()
    {
        var uid = GetUid();
#pragma warning disable CA5351 // Not security: MD5 is how LibreOffice names its per-profile IPC pipe.
        // LibreOffice writes each byte in hex without a leading zero.
        var ipcHash = string.Concat(MD5.HashData(Encoding.Unicode.GetBytes(_profileUrl)).Select(b => b.ToString("x", CultureInfo.InvariantCulture)));
#pragma warning restore CA5351
        foreach (var name in new[] { $"OSL_PIPE_{uid}_{_pipeName}", $"OSL_PIPE_{uid}_SingleOfficeIPC_{ipcHash}" })
        {
            try
            {
                File.Delete(Path.Combine("/tmp", name));
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static string GetUid()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                {
                    return line["Uid:".Length..].Trim().Split('\t', ' ')[0];
                }
            }
        }
        catch (IOException)
        {
        }

        return "0";
    }

    internal static void DeleteDirectory(string path)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }

                return;
            }
            catch (IOException)
            {
                Thread.Sleep(50);
            }
            catch (UnauthorizedAccessException)
            {
                Thread.Sleep(50);
            }
        }
    }

    private static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var dir in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, dir)));
        }

        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(target, Path.GetRelativePath(source, file)), overwrite: true);
        }
    }
}
