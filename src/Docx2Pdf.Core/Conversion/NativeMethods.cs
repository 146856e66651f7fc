using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Docx2Pdf.Conversion;

/// <summary>libc calls .NET does not expose: signalling a whole process group, the effective user, a file's owner.</summary>
internal static class NativeMethods
{
    internal const int SIGKILL = 9;
    internal const int SIGTERM = 15;

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxMode = 0x2;
    private const uint StatxUid = 0x8;

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

    /// <summary>The effective user id of this process.</summary>
    internal static uint EffectiveUserId() => GetEuid();

    /// <summary>
    /// Owner and mode of <paramref name="path"/> itself (a symbolic link is not followed), or <see langword="false"/> when
    /// it does not exist. statx, because its buffer layout is the same on every architecture, unlike stat's.
    /// </summary>
    internal static bool TryGetOwnerAndMode(string path, out uint uid, out uint mode)
    {
        var buffer = new byte[256];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxMode | StatxUid, buffer) != 0)
        {
            uid = 0;
            mode = 0;
            return false;
        }

        // struct statx: stx_uid at offset 20 (u32), stx_mode at offset 28 (u16).
        uid = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(20));
        mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(28));
        return true;
    }

    // DllImport rather than LibraryImport: the generated stub would need AllowUnsafeBlocks for the whole assembly.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int sig);

    [DllImport("libc", EntryPoint = "geteuid")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern uint GetEuid();

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);
}
