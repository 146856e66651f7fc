using System.Globalization;

namespace Docx2Pdf.Sizing;

/// <summary>
/// What the container gives this process: CPUs and memory, each with the file it was read from. Read from the cgroup
/// of the process (v2 <c>cpu.max</c> / <c>memory.max</c>, v1 <c>cpu.cfs_quota_us</c> / <c>memory.limit_in_bytes</c>, the
/// tightest limit of the cgroup and its ancestors), falling back to <c>/proc/meminfo</c> (which is also where gVisor,
/// Cloud Run's first generation, shows the limit) and to the processor count.
/// </summary>
/// <param name="Cpus">CPUs the process may use (a quota of 1.5 CPUs is 1.5).</param>
/// <param name="CpuSource">Where <paramref name="Cpus"/> came from, for the start-up log.</param>
/// <param name="MemoryBytes">Memory the process and its children may use together.</param>
/// <param name="MemorySource">Where <paramref name="MemoryBytes"/> came from, for the start-up log.</param>
internal sealed record ContainerResources(double Cpus, string CpuSource, long MemoryBytes, string MemorySource)
{
    // cgroup v1 writes "no limit" as a page-rounded long.MaxValue; anything this large is no limit.
    private const long Unlimited = 1L << 60;

    /// <summary>Reads the limits of the current process.</summary>
    /// <param name="root">Root of the file system to read (<c>/</c>; a fake tree in tests).</param>
    /// <param name="processorCount">CPUs when no quota is set; the default is <see cref="Environment.ProcessorCount"/>.</param>
    /// <returns>The limits, never unknown: the fallbacks always give a figure.</returns>
    public static ContainerResources Read(string root = "/", int? processorCount = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        var fs = new Tree(root);
        var groups = CgroupDirectories(fs);
        var cpus = processorCount ?? Environment.ProcessorCount;
        var (cpuLimit, cpuSource) = ReadCpu(fs, groups);
        var (memoryLimit, memorySource) = ReadMemory(fs, groups);

        string cpuFrom;
        double cpu;
        // .NET's processor count already rounds a quota up; a quota at or below it is the figure and its source.
        if (cpuLimit is { } quota && quota <= cpus)
        {
            cpu = quota;
            cpuFrom = cpuSource!;
        }
        else
        {
            cpu = cpus;
            cpuFrom = "processor count";
        }

        var total = MemTotal(fs);
        string memoryFrom;
        long memory;
        if (memoryLimit is { } limit && (total is null || limit < total))
        {
            memory = limit;
            memoryFrom = memorySource!;
        }
        else if (total is { } t)
        {
            memory = t;
            memoryFrom = "/proc/meminfo MemTotal";
        }
        else
        {
            memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
            memoryFrom = "the .NET runtime's available memory";
        }

        return new ContainerResources(cpu, cpuFrom, memory, memoryFrom);
    }

    private static (double? Cpus, string? Source) ReadCpu(Tree fs, Groups groups)
    {
        double? best = null;
        string? source = null;
        foreach (var dir in groups.V2Chain)
        {
            // "max 100000" or "150000 100000".
            if (fs.ReadText(Path.Combine(dir, "cpu.max")) is { } text &&
                text.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var q, var p] &&
                long.TryParse(q, NumberStyles.None, CultureInfo.InvariantCulture, out var quota) &&
                long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var period) && quota > 0 && period > 0)
            {
                Keep((double)quota / period, "cgroup v2 " + fs.Display(Path.Combine(dir, "cpu.max")));
            }
        }

        foreach (var dir in groups.V1CpuChain)
        {
            if (fs.ReadLong(Path.Combine(dir, "cpu.cfs_quota_us")) is { } quota && quota > 0 &&
                fs.ReadLong(Path.Combine(dir, "cpu.cfs_period_us")) is { } period && period > 0)
            {
                Keep((double)quota / period, "cgroup v1 " + fs.Display(Path.Combine(dir, "cpu.cfs_quota_us")));
            }
        }

        return (best, source);

        void Keep(double value, string from)
        {
            if (best is null || value < best)
            {
                best = value;
                source = from;
            }
        }
    }

    private static (long? Bytes, string? Source) ReadMemory(Tree fs, Groups groups)
    {
        long? best = null;
        string? source = null;
        foreach (var dir in groups.V2Chain)
        {
            // "max" or a byte count.
            if (fs.ReadLong(Path.Combine(dir, "memory.max")) is { } bytes && bytes is > 0 and < Unlimited)
            {
                Keep(bytes, "cgroup v2 " + fs.Display(Path.Combine(dir, "memory.max")));
            }
        }

        foreach (var dir in groups.V1MemoryChain)
        {
            if (fs.ReadLong(Path.Combine(dir, "memory.limit_in_bytes")) is { } bytes && bytes is > 0 and < Unlimited)
            {
                Keep(bytes, "cgroup v1 " + fs.Display(Path.Combine(dir, "memory.limit_in_bytes")));
            }
        }

        return (best, source);

        void Keep(long value, string from)
        {
            if (best is null || value < best)
            {
                best = value;
                source = from;
            }
        }
    }

    private static long? MemTotal(Tree fs)
    {
        if (fs.ReadText("/proc/meminfo") is not { } text)
        {
            return null;
        }

        foreach (var line in text.Split('\n'))
        {
            // "MemTotal:       24683520 kB"
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal) &&
                line["MemTotal:".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var kb, ..] &&
                long.TryParse(kb, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return value * 1024;
            }
        }

        return null;
    }

    /// <summary>The cgroup directories of this process, from its own folder up to the hierarchy's mount point.</summary>
    private static Groups CgroupDirectories(Tree fs)
    {
        string? v2Path = null;
        string? cpuPath = null;
        string? memoryPath = null;
        foreach (var line in (fs.ReadText("/proc/self/cgroup") ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "0::/path" (v2) or "4:memory:/path", "3:cpu,cpuacct:/path" (v1).
            var parts = line.Split(':', 3);
            if (parts.Length != 3)
            {
                continue;
            }

            if (parts[0] == "0" && parts[1].Length == 0)
            {
                v2Path = parts[2];
                continue;
            }

            var controllers = parts[1].Split(',');
            if (controllers.Contains("cpu"))
            {
                cpuPath = parts[2];
            }

            if (controllers.Contains("memory"))
            {
                memoryPath = parts[2];
            }
        }

        var mounts = Mounts(fs);
        return new Groups(
            Chain(fs, mounts.FirstOrDefault(m => m.Type == "cgroup2"), v2Path),
            Chain(fs, mounts.FirstOrDefault(m => m.Type == "cgroup" && m.Options.Contains("cpu")), cpuPath),
            Chain(fs, mounts.FirstOrDefault(m => m.Type == "cgroup" && m.Options.Contains("memory")), memoryPath));
    }

    private static List<string> Chain(Tree fs, Mount? mount, string? cgroupPath)
    {
        var chain = new List<string>();
        if (mount is null || cgroupPath is null)
        {
            return chain;
        }

        // Inside a cgroup namespace the mount's root is the container's own cgroup: the path is relative to it.
        var relative = cgroupPath;
        if (mount.Root != "/" && (relative == mount.Root || relative.StartsWith(mount.Root + "/", StringComparison.Ordinal)))
        {
            relative = relative[mount.Root.Length..];
        }

        var dir = mount.Point.TrimEnd('/') + "/" + relative.Trim('/');
        if (!fs.DirectoryExists(dir))
        {
            // A path that does not resolve (a namespace the mount table does not show): the mount point is our cgroup.
            dir = mount.Point;
        }

        var point = mount.Point.Length > 1 ? mount.Point.TrimEnd('/') : mount.Point;
        var current = dir.Length > 1 ? dir.TrimEnd('/') : dir;
        while (true)
        {
            chain.Add(current);
            if (current.Length <= point.Length || Path.GetDirectoryName(current) is not { } parent)
            {
                break;
            }

            current = parent;
        }

        return chain;
    }

    private static List<Mount> Mounts(Tree fs)
    {
        var mounts = new List<Mount>();
        if (fs.ReadText("/proc/self/mountinfo") is { } text)
        {
            foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                // "36 25 0:31 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory"
                var halves = line.Split(" - ", 2);
                if (halves.Length != 2)
                {
                    continue;
                }

                var left = halves[0].Split(' ');
                var right = halves[1].Split(' ');
                if (left.Length < 5 || right.Length < 3 || right[0] is not ("cgroup" or "cgroup2"))
                {
                    continue;
                }

                mounts.Add(new Mount(right[0], Unescape(left[3]), Unescape(left[4]), right[2].Split(',')));
            }

            return mounts;
        }

        // No mount table: the usual places.
        if (fs.FileExists("/sys/fs/cgroup/cgroup.controllers"))
        {
            mounts.Add(new Mount("cgroup2", "/", "/sys/fs/cgroup", []));
        }
        else
        {
            mounts.Add(new Mount("cgroup", "/", fs.DirectoryExists("/sys/fs/cgroup/cpu") ? "/sys/fs/cgroup/cpu" : "/sys/fs/cgroup/cpu,cpuacct", ["cpu"]));
            mounts.Add(new Mount("cgroup", "/", "/sys/fs/cgroup/memory", ["memory"]));
        }

        return mounts;
    }

    // mountinfo escapes space, tab, newline and backslash as octal.
    private static string Unescape(string field) =>
        field.Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal)
            .Replace("\\012", "\n", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal);

    private sealed record Mount(string Type, string Root, string Point, string[] Options);

    private sealed record Groups(List<string> V2Chain, List<string> V1CpuChain, List<string> V1MemoryChain);

    /// <summary>Absolute paths of the real system, read under a root folder.</summary>
    private sealed class Tree(string root)
    {
        private string Real(string path) => root == "/" ? path : Path.Combine(root, path.TrimStart('/'));

        public string Display(string path) => path;

        public bool FileExists(string path) => File.Exists(Real(path));

        public bool DirectoryExists(string path) => Directory.Exists(Real(path));

        public string? ReadText(string path)
        {
            try
            {
                return File.ReadAllText(Real(path)).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        public long? ReadLong(string path) =>
            ReadText(path) is { } text && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}
