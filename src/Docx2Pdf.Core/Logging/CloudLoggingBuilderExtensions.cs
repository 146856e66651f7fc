using System.Diagnostics;
using Docx2Pdf.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Logging;

/// <summary>Cloud Logging's structured JSON on the console, for push and pull hosts alike.</summary>
public static class CloudLoggingBuilderExtensions
{
    /// <summary>
    /// Adds the console logger with the <c>cloud-logging</c> formatter (one JSON object per line: severity, message, time,
    /// exception, trace, scope values) and chooses it when the host runs on Cloud Run (<c>K_SERVICE</c> is set) or when
    /// <c>Logging:Console:FormatterName</c> is <c>cloud-logging</c>; an explicit other formatter name wins. The trace field
    /// needs the project id: <c>GOOGLE_CLOUD_PROJECT</c> or <c>Logging:Console:FormatterOptions:ProjectId</c>. Incoming
    /// requests' <c>X-Cloud-Trace-Context</c> is honoured when they carry no <c>traceparent</c>. Calling it twice is harmless.
    /// </summary>
    /// <param name="builder">The host's logging builder.</param>
    /// <param name="configure">Optional settings applied after configuration.</param>
    /// <returns>The same builder.</returns>
    public static ILoggingBuilder AddCloudLoggingConsole(this ILoggingBuilder builder, Action<CloudLoggingFormatterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddConsole();
        builder.AddConsoleFormatter<CloudLoggingFormatter, CloudLoggingFormatterOptions>();
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        if (!services.Any(d => d.ServiceType == typeof(CloudTracePropagatorMarker)))
        {
            services.AddSingleton<CloudTracePropagatorMarker>();
            services.AddSingleton<DistributedContextPropagator>(new CloudTracePropagator(DistributedContextPropagator.CreateDefaultPropagator()));
            services.AddSingleton<IPostConfigureOptions<ConsoleLoggerOptions>>(
                new PostConfigureOptions<ConsoleLoggerOptions>(Microsoft.Extensions.Options.Options.DefaultName, o =>
                {
                    if (o.FormatterName is null && OnCloudRun())
                    {
                        o.FormatterName = CloudLoggingFormatterOptions.FormatterName;
                    }
                }));
        }

        return builder;
    }

    private static bool OnCloudRun() => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("K_SERVICE"));

    private sealed class CloudTracePropagatorMarker;
}
