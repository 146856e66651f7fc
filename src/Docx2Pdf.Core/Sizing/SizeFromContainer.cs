using System.Globalization;
using Docx2Pdf.Conversion;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.Sizing;

/// <summary>
/// Fills the pool size, the recycle threshold and the per-instance memory cap from the container's limits when neither configuration nor code set
/// them (a post-configure step, so an explicit setting always wins), and logs the figures with where they came from.
/// </summary>
internal sealed class SizeFromContainer : IPostConfigureOptions<LibreOfficeOptions>
{
    private readonly Func<ContainerResources> _read;
    private readonly ILogger _logger;

    public SizeFromContainer(ILoggerFactory? loggerFactory = null)
        : this(() => ContainerResources.Read(), loggerFactory)
    {
    }

    internal SizeFromContainer(Func<ContainerResources> read, ILoggerFactory? loggerFactory)
    {
        _read = read;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Docx2Pdf.Sizing");
    }

    public void PostConfigure(string? name, LibreOfficeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.PoolSizeIsSet && options.MaxInstanceMemoryMegabytesIsSet && options.InstanceMemoryLimitBytesIsSet)
        {
            Log.SizingConfigured(_logger, options.PoolSize, options.MaxInstanceMemoryMegabytes, options.InstanceMemoryLimitBytes / (1024 * 1024));
            return;
        }

        var resources = _read();
        var poolFrom = "configured";
        var recycleFrom = "configured";
        var capFrom = "configured";
        if (!options.PoolSizeIsSet)
        {
            options.PoolSize = ContainerSizing.For(resources).PoolSize;
            poolFrom = "derived";
        }

        // The per-instance figures follow the pool size in force, configured or derived.
        var sizing = ContainerSizing.For(resources, options.PoolSize);
        if (!options.InstanceMemoryLimitBytesIsSet)
        {
            options.InstanceMemoryLimitBytes = sizing.InstanceMemoryLimitBytes;
            capFrom = "derived";
        }

        if (!options.MaxInstanceMemoryMegabytesIsSet)
        {
            options.MaxInstanceMemoryMegabytes = sizing.RecycleMegabytes;
            recycleFrom = "derived";
        }

        Log.SizedFromContainer(
            _logger,
            resources.Cpus.ToString("0.##", CultureInfo.InvariantCulture),
            resources.CpuSource,
            resources.MemoryBytes / (1024 * 1024),
            resources.MemorySource,
            options.PoolSize,
            poolFrom,
            options.MaxInstanceMemoryMegabytes,
            recycleFrom,
            options.InstanceMemoryLimitBytes / (1024 * 1024),
            capFrom,
            sizing.InstanceShareBytes / (1024 * 1024),
            sizing.HostReserveBytes / (1024 * 1024),
            sizing.TempReserveBytes / (1024 * 1024));
    }
}
