using Docx2Pdf.Readiness;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Docx2Pdf.AspNetCore.Health;

/// <summary>Readiness as a health check: a translation of Core's <see cref="Docx2PdfReadiness"/>.</summary>
internal sealed class Docx2PdfReadinessCheck(IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetService(typeof(Docx2PdfReadiness)) is not Docx2PdfReadiness readiness)
        {
            return HealthCheckResult.Unhealthy("No document converter is registered; call services.AddDocx2Pdf().");
        }

        var report = await readiness.CheckAsync(cancellationToken).ConfigureAwait(false);
        return ToHealthCheckResult(report);
    }

    internal static HealthCheckResult ToHealthCheckResult(ReadinessReport report) => new(
        report.Status switch
        {
            ReadinessStatus.Ready => HealthStatus.Healthy,
            ReadinessStatus.Degraded => HealthStatus.Degraded,
            _ => HealthStatus.Unhealthy,
        },
        report.Description,
        data: report.Data);
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
