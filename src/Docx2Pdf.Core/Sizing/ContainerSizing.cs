using Docx2Pdf.Conversion;

namespace Docx2Pdf.Sizing;

/// <summary>
/// The pool size and per-instance memory figures a container's limits allow, by one rule (docs/sizing.md):
/// take the host's reserve and a reserve for <c>/tmp</c> (memory on Cloud Run) off the memory limit, run one instance
/// per whole CPU as long as each keeps at least <see cref="MinimumInstanceBytes"/>, give each an equal share of the rest
/// as its ceiling, and recycle an instance once its private memory passes three quarters of that share. The hard cap of
/// an instance's private memory is its share. Both compare with private memory (RssAnon + RssShmem), what the cgroup
/// charges for that instance alone; the file-backed pages of LibreOffice's libraries (about 100 MiB of RssFile per
/// instance) are charged once for all instances, are reclaimable, and fit in the host and /tmp reserves.
/// </summary>
/// <param name="PoolSize">LibreOffice instances.</param>
/// <param name="InstanceShareBytes">Memory planned for each instance.</param>
/// <param name="RecycleMegabytes">Private memory after a conversion above which an instance is replaced.</param>
/// <param name="InstanceMemoryLimitBytes">Private memory during a conversion above which the instance is killed and the document fails as too complex.</param>
/// <param name="HostReserveBytes">Kept for the .NET host.</param>
/// <param name="TempReserveBytes">Kept for files in <c>/tmp</c>: inputs waiting in the queue, PDFs, profiles.</param>
internal sealed record ContainerSizing(int PoolSize, long InstanceShareBytes, int RecycleMegabytes, long InstanceMemoryLimitBytes, long HostReserveBytes, long TempReserveBytes)
{
    private const long MiB = 1024 * 1024;

    /// <summary>The ASP.NET Core host with the pipeline, under load (measured: see docs/capacity.md).</summary>
    internal const long HostReserve = 160 * MiB;

    /// <summary>The least <c>/tmp</c> reserve; larger containers keep an eighth of their memory.</summary>
    internal const long MinimumTempReserve = 64 * MiB;

    /// <summary>Fewer bytes than this per instance and another instance costs more in recycling than it brings.</summary>
    internal const long MinimumInstanceBytes = 320 * MiB;

    /// <summary>An instance is never given less than this, even in a container too small for the rule.</summary>
    internal const long FloorInstanceBytes = 192 * MiB;

    /// <summary>The recycle threshold never goes above the library's fixed default: past it, growth is a leak.</summary>
    internal const int MaximumRecycleMegabytes = 1024;

    /// <summary>The cap never goes above the engine's fixed default.</summary>
    internal const long MaximumInstanceMemoryLimit = 2048 * MiB;

    /// <summary>Applies the rule to <paramref name="resources"/>.</summary>
    /// <param name="resources">The container's limits.</param>
    /// <param name="poolSize">A pool size already chosen (configured); <see langword="null"/> derives it too.</param>
    public static ContainerSizing For(ContainerResources resources, int? poolSize = null)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var memory = resources.MemoryBytes;
        var temp = Math.Max(MinimumTempReserve, memory / 8);
        var forInstances = Math.Max(0, memory - HostReserve - temp);

        // Conversions are single-threaded CPU work: a second instance on one CPU only takes turns with the first.
        var byCpu = Math.Max(1, (int)Math.Floor(resources.Cpus + 0.001));
        var byMemory = (int)Math.Max(1, forInstances / MinimumInstanceBytes);
        var pool = poolSize is > 0 ? poolSize.Value : Math.Min(byCpu, byMemory);

        var share = Math.Max(FloorInstanceBytes, forInstances / pool);
        var recycle = (int)Math.Min(MaximumRecycleMegabytes, share * 3 / 4 / MiB);
        // Never below the least cap the options accept (a container too small for the rule gets the floor share).
        var cap = Math.Clamp(share, LibreOfficeOptionsRulesValidator.MinimumMemoryLimit, MaximumInstanceMemoryLimit);
        return new ContainerSizing(pool, share, recycle, cap, HostReserve, temp);
    }
}
