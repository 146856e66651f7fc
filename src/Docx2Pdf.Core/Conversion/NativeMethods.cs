using System.Runtime.InteropServices;

namespace Docx2Pdf.Conversion;

/// <summary>libc calls .NET does not expose: signalling a whole process group.</summary>
internal static class NativeMethods
{
    internal const int SIGKILL = 9;
    internal const int SIGTERM = 15;

    /// <summary>Sends <paramref name="signal"/> to every process of group <paramref name="pgid"/>; errors ignored (the group may be gone).</summary>
    internal static void KillGroup(int pgid, int signal)
    {
        if (pgid > 1)
        {
            _ = Kill(-pgid, signal);
        }
    }

    /// <summary>Sends <paramref name="signal"/> to one process; errors ignored.</summary>
    internal static void KillProcess(int pid, int signal)
    {
        if (pid > 1)
        {
            _ = Kill(pid, signal);
        }
    }

    // DllImport rather than LibraryImport: the generated stub would need AllowUnsafeBlocks for the whole assembly.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int sig);
}
