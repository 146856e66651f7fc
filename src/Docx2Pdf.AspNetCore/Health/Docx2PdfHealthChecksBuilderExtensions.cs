using Docx2Pdf.AspNetCore.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Docx2Pdf's health checks.</summary>
public static class Docx2PdfHealthChecksBuilderExtensions
{
    /// <summary>The tag of the readiness check (<c>ready</c>).</summary>
    public const string ReadyTag = "ready";

    /// <summary>The tag of the liveness check (<c>live</c>).</summary>
    public const string LiveTag = "live";

    private const string ReadyName = "docx2pdf-ready";
    private const string LiveName = "docx2pdf-live";

    /// <summary>
    /// Adds <c>docx2pdf-ready</c> (tag <see cref="ReadyTag"/>: converter pool warm and storage answers) and
    /// <c>docx2pdf-live</c> (tag <see cref="LiveTag"/>: the process serves requests; never fails under load). Map them with
    /// <c>app.MapHealthChecks("/healthz/ready", new() { Predicate = c =&gt; c.Tags.Contains("ready") })</c> and the same for
    /// <c>live</c>. Calling it twice is harmless.
    /// </summary>
    /// <param name="builder">The health-checks builder.</param>
    /// <returns>The same builder.</returns>
    public static IHealthChecksBuilder AddDocx2Pdf(this IHealthChecksBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure<HealthCheckServiceOptions>(options =>
        {
            // One guard per name: the pull package may already have added the readiness check (same name, same Core check).
            if (!options.Registrations.Any(r => r.Name == ReadyName))
            {
                options.Registrations.Add(new HealthCheckRegistration(
                    ReadyName,
                    sp => new Docx2PdfReadinessCheck(sp),
                    HealthStatus.Unhealthy,
                    [ReadyTag, "docx2pdf"]));
            }

            if (!options.Registrations.Any(r => r.Name == LiveName))
            {
                options.Registrations.Add(new HealthCheckRegistration(
                    LiveName,
                    _ => new Docx2PdfLivenessCheck(),
                    HealthStatus.Unhealthy,
                    [LiveTag, "docx2pdf"]));
            }
        });
        return builder;
    }
}
