using System.Globalization;

namespace Docx2Pdf.Conversion;

/// <summary>What the converter reads about its processes from /proc.</summary>
internal static class ProcFs
{
    /// <summary>Resident memory (VmRSS) of <paramref name="pid"/> in bytes, or null when it is gone.</summary>
    public static long? ReadRssBytes(int pid) => ReadStatusKilobytes(pid, "VmRSS:") * 1024;

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

    private static long? ReadStatusKilobytes(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    var kb = line[field.Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture);
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
}
