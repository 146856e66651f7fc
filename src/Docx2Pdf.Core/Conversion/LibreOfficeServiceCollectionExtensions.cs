using System.Diagnostics.Metrics;
using Docx2Pdf.Conversion;
using Docx2Pdf.Readiness;
using Docx2Pdf.Sizing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="LibreOfficeConverter"/> as the <see cref="IDocumentConverter"/>; called by <c>AddDocx2Pdf()</c>.</summary>
internal static class LibreOfficeServiceCollectionExtensions
{
    /// <summary>
    /// Adds the converter (singleton, also as <see cref="IDocumentConverter"/>), its options bound from
    /// <paramref name="configuration"/> (the <c>Docx2Pdf:LibreOffice</c> section) and validated at start, and a hosted
    /// service that warms the pool at start. Calling it twice is harmless.
    /// </summary>
    internal static IServiceCollection AddLibreOfficeConverter(this IServiceCollection services, IConfiguration? configuration = null, Action<LibreOfficeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<LibreOfficeOptions>();
        if (configuration is not null)
        {
            options.Configure(o => o.BindKeepingSizingUnset(configuration, () => Docx2PdfConfiguration.Bind(configuration, o)));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LibreOfficeOptions>, LibreOfficeOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LibreOfficeOptions>, LibreOfficeOptionsRulesValidator>());
        // What configuration and code leave unset comes from the container's limits (after them, so they always win).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<LibreOfficeOptions>, SizeFromContainer>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new LibreOfficeConverter(
            sp.GetRequiredService<IOptions<LibreOfficeOptions>>(),
            sp.GetRequiredService<ILogger<LibreOfficeConverter>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<IDocumentConverter>(sp => sp.GetRequiredService<LibreOfficeConverter>());
        services.TryAddSingleton<IWarmConverter>(sp => sp.GetRequiredService<LibreOfficeConverter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, LibreOfficeWarmUpService>());
        return services;
    }
}

/// <summary>Starts the LibreOffice pool while the host starts, so the first request pays no start-up.</summary>
internal sealed class LibreOfficeWarmUpService(LibreOfficeConverter converter) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => converter.WarmUpAsync(cancellationToken).AsTask();

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
