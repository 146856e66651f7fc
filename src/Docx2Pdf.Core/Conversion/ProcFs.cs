using System.Globalization;

namespace Docx2Pdf.Conversion;

/// <summary>What the converter reads about its processes from /proc.</summary>
internal static class ProcFs
{
    /// <summary>Resident memory (VmRSS) of <paramref name="pid"/> in bytes, or null when it is gone.</summary>
    public static long? ReadRssBytes(int pid) => ReadStatusKilobytes(pid, "VmRSS:") * 1024;

    /// <summary>
    /// Private resident memory of <paramref name="pid"/> in bytes (RssAnon + RssShmem), or null when it is gone: what the
    /// container's memory cgroup charges for this process alone. VmRSS also counts file-backed pages (RssFile: the ~100 MiB
    /// of LibreOffice's libraries), which every instance maps and the cgroup charges once, and which the kernel can reclaim.
    /// </summary>
    public static long? ReadPrivateBytes(int pid)
    {
        var status = ReadStatusKilobytes(pid, "RssAnon:", "RssShmem:");
        return status[0] is { } anon ? (anon + (status[1] ?? 0)) * 1024 : null;
    }

    /// <summary>True while <paramref name="pid"/> runs: a zombie (dead, not yet reaped) does not count.</summary>
    public static bool IsRunning(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        try
        {
            // Field 3 of /proc/<pid>/stat is the state; Z = zombie, X = dead.
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

    /// <summary>True while any process (zombies included) has id <paramref name="pid"/>.</summary>
    public static bool Exists(int pid) => pid > 0 && Directory.Exists($"/proc/{pid}");

    private static long? ReadStatusKilobytes(int pid, string field) => ReadStatusKilobytes(pid, [field])[0];

    private static long?[] ReadStatusKilobytes(int pid, params string[] fields)
    {
        var values = new long?[fields.Length];
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                for (var i = 0; i < fields.Length; i++)
                {
                    if (line.StartsWith(fields[i], StringComparison.Ordinal))
                    {
                        var kb = line[fields[i].Length..].Trim().Split(' ')[0];
                        values[i] = long.Parse(kb, CultureInfo.InvariantCulture);
                    }
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return values;
    }
}
