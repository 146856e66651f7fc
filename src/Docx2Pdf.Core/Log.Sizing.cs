using Microsoft.Extensions.Logging;

namespace Docx2Pdf;

/// <summary>Sizing log events, ids 620-629.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 620, Level = LogLevel.Information, Message =
        "Sized from the container: {Cpus} CPUs ({CpuSource}), {MemoryMiB} MiB ({MemorySource}) -> PoolSize {PoolSize} ({PoolSizeFrom}), " +
        "MaxInstanceMemoryMegabytes {RecycleMiB} ({RecycleFrom}), InstanceMemoryLimitBytes {CapMiB} MiB ({CapFrom}); " +
        "per instance {ShareMiB} MiB, kept for the host {HostMiB} MiB and for /tmp {TempMiB} MiB")]
    internal static partial void SizedFromContainer(ILogger logger, LogText cpus, LogText cpuSource, long memoryMiB, LogText memorySource,
        int poolSize, LogText poolSizeFrom, int recycleMiB, LogText recycleFrom, long capMiB, LogText capFrom, long shareMiB, long hostMiB, long tempMiB);

    [LoggerMessage(EventId = 621, Level = LogLevel.Information, Message =
        "Sizing configured, not derived from the container: PoolSize {PoolSize}, MaxInstanceMemoryMegabytes {RecycleMiB}, InstanceMemoryLimitBytes {CapMiB} MiB")]
    internal static partial void SizingConfigured(ILogger logger, int poolSize, int recycleMiB, long capMiB);
}
