using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Docx2Pdf.Testing;

namespace Docx2Pdf.Fire;

internal static partial class NativeMethods
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigStop = 19;
    public const int SigCont = 18;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}

/// <summary>
/// The sample host (samples/Docx2Pdf.CloudRun, built in Release) as a separate process: its own session (setsid), its own
/// TMPDIR inside the lab, settings as command-line configuration, output to a log file. Signals go to the host process
/// only, as a platform's would; the whole session is killed only when the lab is torn down.
/// </summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private int _disposed;
    private int _pid;

    private HostProcess(string name, int port, string tempDir, string logPath, IReadOnlyDictionary<string, string> settings, Process process, StreamWriter log)
    {
        Name = name;
        Port = port;
        TempDir = tempDir;
        LogPath = logPath;
        Settings = settings;
        _process = process;
        _log = log;
    }

    private static readonly List<HostProcess> Started = [];

    public static string HostDll { get; set; } = string.Empty;

    /// <summary>Kills every host session this process started (the suite was interrupted).</summary>
    public static void KillAll()
    {
        lock (Started)
        {
            foreach (var host in Started)
            {
                _ = NativeMethods.Kill(-host._pid, NativeMethods.SigKill);
            }
        }
    }

    public string Name { get; }

    public int Port { get; }

    public string TempDir { get; }

    public string LogPath { get; }

    public IReadOnlyDictionary<string, string> Settings { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public Uri BaseUri => new($"http://127.0.0.1:{Port}/");

    public long PeakRssKb { get; private set; }

    public Dictionary<int, long> PeakOfficeRssKb { get; } = [];

    public static HostProcess Start(Lab lab, string name, IReadOnlyDictionary<string, string> settings, int? port = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var p = port ?? FreePort.Next();
        var tempDir = Path.Combine(lab.Dir, name, "tmp");
        Directory.CreateDirectory(tempDir);
        var logPath = Path.Combine(lab.Dir, name + ".log");
        var psi = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.Combine(lab.Dir, name),
        };
        psi.ArgumentList.Add("dotnet");
        psi.ArgumentList.Add(HostDll);
        foreach (var (key, value) in settings)
        {
            psi.ArgumentList.Add($"--{key}={value}");
        }

        psi.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{p}";
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        psi.Environment["TMPDIR"] = tempDir;
        // The runtime's diagnostic IPC sockets would sit in TMPDIR after a SIGKILL: runtime files, not the library's.
        psi.Environment["DOTNET_EnableDiagnostics"] = "0";
        psi.Environment["Logging__Console__FormatterName"] = "simple";
        psi.Environment.Remove("PORT");
        psi.Environment.Remove("K_SERVICE");
        psi.Environment.Remove("OUTPUT_BUCKET");
        psi.Environment.Remove("STORAGE_EMULATOR_HOST");
        psi.Environment.Remove("PUBSUB_EMULATOR_HOST");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        log.WriteLine($"==== start {DateTimeOffset.UtcNow:O} port {p}");
        var process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start the host.");
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var host = new HostProcess(name, p, tempDir, logPath, settings, process, log) { _pid = process.Id };
        lab.Hosts.Add(host);
        lock (Started)
        {
            Started.Add(host);
        }

        return host;
    }

    /// <summary>Starts the same host again (same name, port, folders, settings), as a platform restarts a killed instance.</summary>
    public HostProcess Restart(Lab lab) => Start(lab, Name, Settings, Port);

    /// <summary>Waits for /healthz/ready (a warm pool); fails when the host exits or the bound passes.</summary>
    public async Task WaitReadyAsync(TimeSpan bound)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + bound;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Host {Name} exited with code {_process.ExitCode} before it was ready; see {LogPath}:\n{Tail(15)}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(BaseUri, "healthz/ready"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Host {Name} was not ready within {bound.TotalSeconds:0} s; see {LogPath}:\n{Tail(15)}");
            }

            await Task.Delay(250);
        }
    }

    public void Signal(int signal) => _ = NativeMethods.Kill(_process.Id, signal);

    /// <summary>Waits for the host to exit; returns false when the bound passes first.</summary>
    public async Task<bool> WaitExitAsync(TimeSpan bound)
    {
        using var cts = new CancellationTokenSource(bound);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM and wait (graceful stop); SIGKILL of the session when it does not stop within the bound.</summary>
    public async Task<bool> StopAsync(TimeSpan bound)
    {
        if (_process.HasExited)
        {
            return true;
        }

        Signal(NativeMethods.SigTerm);
        if (await WaitExitAsync(bound))
        {
            return true;
        }

        _ = NativeMethods.Kill(-_process.Id, NativeMethods.SigKill);
        await WaitExitAsync(TimeSpan.FromSeconds(10));
        return false;
    }

    /// <summary>The LibreOffice processes (soffice.bin) under this host, found by the host's TMPDIR in their command line or environment.</summary>
    public IReadOnlyList<int> OfficePids()
    {
        var list = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (!cmdline.Contains("soffice.bin", StringComparison.Ordinal))
                {
                    continue;
                }

                if (cmdline.Contains(TempDir, StringComparison.Ordinal) || File.ReadAllText(Path.Combine(dir, "environ")).Contains(TempDir, StringComparison.Ordinal))
                {
                    list.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }

        return list;
    }

    public long RssKb() => ReadRssKb(_process.HasExited ? -1 : _process.Id);

    public int OpenFds()
    {
        try
        {
            return Directory.GetFiles($"/proc/{_process.Id}/fd").Length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return -1;
        }
    }

    /// <summary>Descendants of the host (by parent pid).</summary>
    public int ChildProcessCount()
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
                {
                }
            }
        }

        var count = 0;
        foreach (var pid in parents.Keys)
        {
            for (var p = pid; parents.TryGetValue(p, out var parent) && parent > 1; p = parent)
            {
                if (parent == _process.Id)
                {
                    count++;
                    break;
                }
            }
        }

        return count;
    }

    /// <summary>One sample of host and LibreOffice memory, kept as peaks.</summary>
    public void Sample()
    {
        PeakRssKb = Math.Max(PeakRssKb, RssKb());
        foreach (var pid in OfficePids())
        {
            var rss = ReadRssKb(pid);
            PeakOfficeRssKb[pid] = Math.Max(PeakOfficeRssKb.GetValueOrDefault(pid), rss);
        }
    }

    public string Tail(int lines)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    public int CountLogLines(string text)
    {
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var count = 0;
        while (reader.ReadLine() is { } line)
        {
            if (line.Contains(text, StringComparison.Ordinal))
            {
                count++;
            }
        }

        return count;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _ = NativeMethods.Kill(-_process.Id, NativeMethods.SigKill);
            _ = NativeMethods.Kill(_process.Id, NativeMethods.SigKill);
            await WaitExitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
        await _log.DisposeAsync();
    }

    internal static long ReadRssKb(int pid)
    {
        if (pid <= 0)
        {
            return 0;
        }

        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return 0;
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
