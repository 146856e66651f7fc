using Docx2Pdf.PubSub;
using Docx2Pdf.PubSub.Pull;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the Pub/Sub pull subscriber to Docx2Pdf.</summary>
public static class PubSubPullConversionBuilderExtensions
{
    /// <summary>
    /// Pulls Cloud Storage notifications from a Pub/Sub subscription, with options bound from the <c>Docx2Pdf:PubSub:Pull</c>
    /// section of the host's <see cref="IConfiguration"/>. See <see cref="AddPubSubPullConversion(IDocx2PdfBuilder, Action{PubSubPullOptions})"/>.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddDocx2Pdf()</c>.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IDocx2PdfBuilder AddPubSubPullConversion(this IDocx2PdfBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddCore(builder.Services);
        return builder;
    }

    /// <summary>
    /// Pulls Cloud Storage notifications from a Pub/Sub subscription and converts each through the conversion
    /// pipeline, acknowledging or retrying as its outcome says. Also registers the health check
    /// <c>docx2pdf-pubsub-pull</c>. Calling it again only adds configuration.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddDocx2Pdf()</c>.</param>
    /// <param name="configure">Sets the options, after the host configuration's <c>Docx2Pdf:PubSub:Pull</c> section was bound; at least <see cref="PubSubPullOptions.Subscription"/>.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IDocx2PdfBuilder AddPubSubPullConversion(this IDocx2PdfBuilder builder, Action<PubSubPullOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddCore(builder.Services);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>
    /// Pulls Cloud Storage notifications from a Pub/Sub subscription, with options bound from
    /// <paramref name="section"/> (usually <c>configuration.GetSection(PubSubPullOptions.SectionName)</c>, that is
    /// <c>Docx2Pdf:PubSub:Pull</c>). See <see cref="AddPubSubPullConversion(IDocx2PdfBuilder, Action{PubSubPullOptions})"/>.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddDocx2Pdf()</c>.</param>
    /// <param name="section">The configuration section holding the options.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IDocx2PdfBuilder AddPubSubPullConversion(this IDocx2PdfBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        AddCore(builder.Services);
        builder.Services.Configure<PubSubPullOptions>(options => Docx2PdfConfiguration.Bind(section, options));
        return builder;
    }

    private static void AddCore(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(PubSubPullMarker)))
        {
            return;
        }

        services.AddSingleton<PubSubPullMarker>();
        services.AddOptions<PubSubPullOptions>().ValidateOnStart();

        // The Docx2Pdf section's PubSub:Pull first (when there is one); code and explicit sections are applied after it.
        RelativeSectionBinder<PubSubPullOptions>.Register(services, PubSubPullOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PubSubPullOptions>, PubSubPullOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PubSubPullOptions>, PubSubPullOptionsRulesValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PullHealth>();
        services.TryAddSingleton<ConcurrencyDefaults>();

        var http = services.AddHttpClient<PubSubClient>((sp, client) =>
        {
            client.BaseAddress = PubSubEndpoint.Resolve(sp.GetRequiredService<IOptions<PubSubPullOptions>>().Value);

            // The resilience handler owns the timeouts (per attempt and in total).
            client.Timeout = Timeout.InfiniteTimeSpan;
        });
        http.AddStandardResilienceHandler().Configure((HttpStandardResilienceOptions resilience, IServiceProvider sp) =>
        {
            // Every call, retries included, ends within half the ack deadline (it was 3 x RequestTimeout + 30 s = 120 s
            // against a 60 s deadline): a lease extension that hangs is given up while the lease still holds.
            var options = sp.GetRequiredService<IOptions<PubSubPullOptions>>().Value;
            var total = PubSubPullSubscriber.CallTimeout(options);
            var attempt = options.RequestTimeout < total ? options.RequestTimeout : total;
            resilience.AttemptTimeout.Timeout = attempt;
            resilience.TotalRequestTimeout.Timeout = total;
            resilience.CircuitBreaker.SamplingDuration = (attempt * 2) + TimeSpan.FromSeconds(1);
        });

        // Inside the resilience handler: each retry gets a current token. Only https requests carry one.
        http.AddHttpMessageHandler(() => new GoogleCredentialHandler());

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PubSubPullSubscriber>());
        services.AddHealthChecks().AddCheck<PubSubPullHealthCheck>(PubSubPullHealthCheck.Name, tags: ["docx2pdf", "pubsub", "ready"]);

        // A pull worker gets the same readiness as a push host (converter warm, storage answers); once, whichever package
        // adds it first.
        services.Configure<HealthCheckServiceOptions>(options =>
        {
            if (!options.Registrations.Any(r => r.Name == PubSubPullReadinessCheck.Name))
            {
                options.Registrations.Add(new HealthCheckRegistration(
                    PubSubPullReadinessCheck.Name,
                    sp => ActivatorUtilities.CreateInstance<PubSubPullReadinessCheck>(sp),
                    HealthStatus.Unhealthy,
                    ["ready", "docx2pdf"]));
            }
        });
    }

    private sealed class PubSubPullMarker;
}
