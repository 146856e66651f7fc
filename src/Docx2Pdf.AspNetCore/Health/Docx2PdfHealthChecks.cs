using Docx2Pdf.Conversion;
using Docx2Pdf.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.AspNetCore.Health;

/// <summary>
/// Readiness: the LibreOffice pool has warm instances and the object store answers a metadata call on the output bucket.
/// Unhealthy while no instance is ready (start-up, all instances restarting) or storage fails; degraded (still ready)
/// while some instances restart.
/// </summary>
internal sealed class Docx2PdfReadinessCheck(
    IServiceProvider services,
    IOptionsMonitor<Docx2PdfOptions> options,
    IOptionsMonitor<LibreOfficeOptions> converterOptions,
    ILogger<Docx2PdfReadinessCheck> logger) : IHealthCheck
{
    /// <summary>The object probed; it need not exist: "not found" is an answer.</summary>
    internal const string ProbeObject = ".docx2pdf-readiness-probe";

    private static readonly TimeSpan StorageTimeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>();
        var converter = services.GetService(typeof(IDocumentConverter));
        // Cold mode keeps no instance running between conversions: there is no pool to be warm.
        var pool = converterOptions.CurrentValue.ColdMode
            ? null
            : converter as LibreOfficeConverter ?? services.GetService(typeof(LibreOfficeConverter)) as LibreOfficeConverter;
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
            return HealthCheckResult.Unhealthy("No document converter is registered; call services.AddDocx2Pdf().", data: data);
        }

        if (pool is not null && ready == 0)
        {
            return HealthCheckResult.Unhealthy("No LibreOffice instance is warm yet.", data: data);
        }

        if (services.GetService(typeof(IObjectStore)) is not IObjectStore store)
        {
            return HealthCheckResult.Unhealthy("No object store is registered.", data: data);
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
                return HealthCheckResult.Unhealthy($"Storage did not answer: {ex.Kind.ToLabel()}.", data: data);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Log.StorageProbeFailed(logger, "timeout");
                return HealthCheckResult.Unhealthy($"Storage did not answer within {StorageTimeout.TotalSeconds:0} s.", data: data);
            }
        }

        return pool is not null && ready < size
            ? HealthCheckResult.Degraded($"{ready} of {size} LibreOffice instances are warm.", data: data)
            : HealthCheckResult.Healthy("Converter warm, storage answers.", data);
    }
}

/// <summary>
/// Liveness: the process serves requests. It deliberately checks nothing that load slows down (no conversion, no storage
/// call, no pool state), so a busy instance is never restarted for being busy.
/// </summary>
internal sealed class Docx2PdfLivenessCheck : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(HealthCheckResult.Healthy());
}
