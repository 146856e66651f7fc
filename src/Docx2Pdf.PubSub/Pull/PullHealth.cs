using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Docx2Pdf.PubSub.Pull;

/// <summary>What the last pulls said, shared by the subscriber (writer) and the health check (reader).</summary>
internal sealed class PullHealth
{
    private volatile Snapshot _current = new(HealthStatus.Healthy, "No pull yet.", 0);

    public Snapshot Current => _current;

    public void Succeeded() => _current = new(HealthStatus.Healthy, "The last pull succeeded.", 0);

    public void Failed(int consecutive, string description) =>
        _current = new(HealthStatus.Degraded, $"{consecutive} pulls in a row failed: {description}", consecutive);

    /// <summary>403, 404: nothing improves until someone fixes the subscription or the permissions.</summary>
    public void Refused(int consecutive, string description) =>
        _current = new(HealthStatus.Unhealthy, description, consecutive);

    internal sealed record Snapshot(HealthStatus Status, string Description, int ConsecutiveFailures);
}

/// <summary>Reports the pull subscriber: unhealthy on permission or not-found errors, degraded while pulls fail.</summary>
internal sealed class PubSubPullHealthCheck : IHealthCheck
{
    internal const string Name = "docx2pdf-pubsub-pull";

    private readonly PullHealth _health;

    public PubSubPullHealthCheck(PullHealth health)
    {
        ArgumentNullException.ThrowIfNull(health);
        _health = health;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var s = _health.Current;
        var data = new Dictionary<string, object> { ["consecutiveFailures"] = s.ConsecutiveFailures };
        return Task.FromResult(new HealthCheckResult(s.Status, s.Description, data: data));
    }
}

/// <summary>
/// Readiness of a pull worker (converter warm, storage answers): a translation of Core's
/// <see cref="Docx2Pdf.Readiness.Docx2PdfReadiness"/>, registered as <c>docx2pdf-ready</c> like the push package's check.
/// </summary>
internal sealed class PubSubPullReadinessCheck(Docx2Pdf.Readiness.Docx2PdfReadiness readiness) : IHealthCheck
{
    internal const string Name = "docx2pdf-ready";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var report = await readiness.CheckAsync(cancellationToken).ConfigureAwait(false);
        var status = report.Status switch
        {
            Docx2Pdf.Readiness.ReadinessStatus.Ready => HealthStatus.Healthy,
            Docx2Pdf.Readiness.ReadinessStatus.Degraded => HealthStatus.Degraded,
            _ => HealthStatus.Unhealthy,
        };
        return new HealthCheckResult(status, report.Description, data: report.Data);
    }
}
