using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Docx2Pdf.Testing;

/// <summary>
/// Starts a server in its own process group (via setsid) so that the whole tree (wrapper scripts, JVMs,
/// node) can be killed at once and nothing outlives the test.
/// </summary>
public sealed partial class ProcessGroup : IDisposable
{
    private readonly Process _process;

    private ProcessGroup(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public static ProcessGroup Start(string fileName, IEnumerable<string> arguments, IDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        psi.ArgumentList.Add(fileName);
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                psi.Environment[k] = v;
            }
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {fileName}.");

        // Drain output so a chatty server never blocks on a full pipe.
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ProcessGroup(process);
    }

    /// <summary>Kills every process of the group and reaps the leader.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            // setsid made the child a session and group leader: its pid is the group id.
            _ = KillNative(-_process.Id, 9);
            _process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillNative(int pid, int signal);
}
