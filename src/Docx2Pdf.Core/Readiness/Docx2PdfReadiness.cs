using Docx2Pdf.Conversion;
using Docx2Pdf.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.Readiness;

/// <summary>A converter that keeps instances warm between conversions and can say how many are ready.</summary>
internal interface IWarmConverter
{
    /// <summary>The configured number of instances.</summary>
    int PoolSize { get; }

    /// <summary>Instances running now (busy or idle).</summary>
    int ReadyInstances { get; }
}

/// <summary>Whether the host can take work.</summary>
internal enum ReadinessStatus
{
    /// <summary>No warm converter instance, or storage does not answer.</summary>
    NotReady,

    /// <summary>Ready, but some converter instances are restarting.</summary>
    Degraded,

    /// <summary>Converter warm, storage answers.</summary>
    Ready,
}

/// <summary>The answer of <see cref="Docx2PdfReadiness.CheckAsync"/>; <paramref name="Data"/> carries pool size and ready instances.</summary>
internal sealed record ReadinessReport(ReadinessStatus Status, string Description, IReadOnlyDictionary<string, object> Data);

/// <summary>
/// Readiness, for push and pull hosts alike: the converter pool has warm instances and the object store answers a metadata
/// call on the output bucket. Not ready while no instance is warm (start-up, all instances restarting) or storage fails;
/// degraded (still ready) while some instances restart. The adapters' health checks only translate the report.
/// </summary>
internal sealed class Docx2PdfReadiness(
    IServiceProvider services,
    IOptionsMonitor<Docx2PdfOptions> options,
    IOptionsMonitor<LibreOfficeOptions> converterOptions,
    ILogger<Docx2PdfReadiness> logger)
{
    /// <summary>The object probed; it need not exist: "not found" is an answer.</summary>
    internal const string ProbeObject = ".docx2pdf-readiness-probe";

    private static readonly TimeSpan StorageTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Checks the converter and the store.</summary>
    /// <param name="cancellationToken">Cancels the storage call.</param>
    /// <returns>The report.</returns>
    public async Task<ReadinessReport> CheckAsync(CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>();
        var converter = services.GetService(typeof(IDocumentConverter));

        // Cold mode keeps no instance running between conversions: there is no pool to be warm. A converter that wraps the
        // LibreOffice one (a decorator) still reports the pool it uses.
        var pool = converterOptions.CurrentValue.ColdMode
            ? null
            : converter as IWarmConverter ?? services.GetService(typeof(IWarmConverter)) as IWarmConverter;
        int ready = 0, size = 0;
        if (pool is not null)
        {
            ready = pool.ReadyInstances;
            size = pool.PoolSize;
            data["poolSize"] = size;
            data["readyInstances"] = ready;
        }
        else if (converter is null)
        {
            return new(ReadinessStatus.NotReady, "No document converter is registered; call services.AddDocx2Pdf().", data);
        }

        if (pool is not null && ready == 0)
        {
            return new(ReadinessStatus.NotReady, "No LibreOffice instance is warm yet.", data);
        }

        if (services.GetService(typeof(IObjectStore)) is not IObjectStore store)
        {
            return new(ReadinessStatus.NotReady, "No object store is registered.", data);
        }

        var bucket = options.CurrentValue.OutputBucket;
        if (!string.IsNullOrEmpty(bucket))
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StorageTimeout);
            try
            {
                _ = await store.GetInfoAsync(bucket, ProbeObject, timeout.Token).ConfigureAwait(false);
            }
            catch (StorageException ex) when (ex.Kind == FailureKind.StorageNotFound)
            {
                // An answer: the store is reachable.
            }
            catch (StorageException ex)
            {
                Log.StorageProbeFailed(logger, ex.Kind.ToLabel());
                return new(ReadinessStatus.NotReady, $"Storage did not answer: {ex.Kind.ToLabel()}.", data);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Log.StorageProbeFailed(logger, "timeout");
                return new(ReadinessStatus.NotReady, $"Storage did not answer within {StorageTimeout.TotalSeconds:0} s.", data);
            }
        }

        return pool is not null && ready < size
            ? new(ReadinessStatus.Degraded, $"{ready} of {size} LibreOffice instances are warm.", data)
            : new(ReadinessStatus.Ready, "Converter warm, storage answers.", data);
    }
}
