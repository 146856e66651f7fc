using System.Diagnostics.Metrics;
using Docx2Pdf;
using Docx2Pdf.Conversion;
using Docx2Pdf.Delivery;
using Docx2Pdf.Diagnostics;
using Docx2Pdf.Pipeline;
using Docx2Pdf.Readiness;
using Docx2Pdf.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Docx2Pdf conversion pipeline: options, object store, LibreOffice converter and <see cref="IConversionPipeline"/>.</summary>
public static class Docx2PdfServiceCollectionExtensions
{
    /// <summary>
    /// Adds Docx2Pdf, configured from the <c>Docx2Pdf</c> section of the host's <see cref="IConfiguration"/> when there is one.
    /// Calling it again is harmless.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>A builder adapter packages extend (for example with <c>AddPubSubPullConversion()</c>).</returns>
    public static IDocx2PdfBuilder AddDocx2Pdf(this IServiceCollection services) =>
        AddDocx2PdfCore(services, section: null, configure: null);

    /// <summary>
    /// Adds Docx2Pdf, configured from the <c>Docx2Pdf</c> section of the host's <see cref="IConfiguration"/> when there is one,
    /// then by <paramref name="configure"/>. Calling it again is harmless.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets options in code; runs after configuration binding.</param>
    /// <returns>A builder adapter packages extend.</returns>
    public static IDocx2PdfBuilder AddDocx2Pdf(this IServiceCollection services, Action<Docx2PdfOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return AddDocx2PdfCore(services, section: null, configure);
    }

    /// <summary>Adds Docx2Pdf, configured from <paramref name="section"/> (for example <c>configuration.GetSection("Docx2Pdf")</c>). Calling it again is harmless.</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The configuration section holding the <see cref="Docx2PdfOptions"/> keys and the <c>LibreOffice</c> and <c>Storage</c> subsections.</param>
    /// <returns>A builder adapter packages extend.</returns>
    public static IDocx2PdfBuilder AddDocx2Pdf(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return AddDocx2PdfCore(services, section, configure: null);
    }

    private static Docx2PdfBuilder AddDocx2PdfCore(IServiceCollection services, IConfiguration? section, Action<Docx2PdfOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<Docx2PdfOptions>();

        // The first call decides the section; every adapter binds relative to it.
        services.TryAddSingleton(new Docx2PdfConfiguration(section));
        if (section is null)
        {
            // Bound from the host's configuration at resolve time, once however often AddDocx2Pdf() is called.
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<Docx2PdfOptions>, HostConfigurationBinder>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<LibreOfficeOptions>, LibreOfficeBinder>());
        }
        else
        {
            services.AddSingleton<IConfigureOptions<Docx2PdfOptions>>(new SectionBinder(section));
            services.AddSingleton<IConfigureOptions<LibreOfficeOptions>>(sp => new LibreOfficeBinder(sp) { Section = section.GetSection(LibreOfficeSubsection) });
        }

        services.AddLibreOfficeConverter();

        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<Docx2PdfOptions>, Docx2PdfOptionsDefaults>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Docx2PdfOptions>, Docx2PdfOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Docx2PdfOptions>, Docx2PdfOptionsRulesValidator>());

        // The Cloud Storage settings live inside Docx2PdfOptions (Docx2Pdf:Storage:CloudStorage) and are checked with them;
        // the store's own validators also run when GcsObjectStoreOptions is registered on its own.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GcsObjectStoreOptions>, GcsObjectStoreOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GcsObjectStoreOptions>, GcsObjectStoreOptionsRulesValidator>());
        services.AddOptions<Docx2PdfOptions>().ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new PipelineMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<ConversionAdmission>();
        services.TryAddSingleton<IConversionPipeline, ConversionPipeline>();
        services.TryAddSingleton<DeliveryPolicy>();

        // Readiness (converter warm, storage answers) for whichever adapter hosts the pipeline: push, pull or both.
        services.TryAddSingleton<Docx2PdfReadiness>();

        // The converter accepts every format the pipeline is told to convert.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<LibreOfficeOptions>, EnableFormatsOfExtensions>());

        // The local-folder store's root comes from Docx2Pdf:Storage:LocalRoot unless its own options set one.
        services.AddOptions<FileSystemObjectStoreOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FileSystemObjectStoreOptions>, FileSystemObjectStoreOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<FileSystemObjectStoreOptions>, FileSystemRootFromDocx2PdfOptions>());
        services.TryAddSingleton<IObjectStore>(CreateObjectStore);

        return new Docx2PdfBuilder(services);
    }

    private const string LibreOfficeSubsection = "LibreOffice";

    private static IObjectStore CreateObjectStore(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<Docx2PdfOptions>>().Value;
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger("Docx2Pdf.Storage") ?? NullLogger.Instance;
        var provider = options.Storage.Provider ?? StorageProvider.FileSystem;
        Log.StorageSelected(logger, provider, options.Storage.ProviderChosenBy ?? "Docx2Pdf:Storage:Provider", options.OutputBucket ?? string.Empty);
        return options.Storage.Provider switch
        {
            StorageProvider.CloudStorage => new GcsObjectStore(
                Options.Options.Create(options.Storage.CloudStorage),
                services.GetRequiredService<TimeProvider>(),
                LoggerOf<GcsObjectStore>(services)),
            _ => new FileSystemObjectStore(
                services.GetRequiredService<IOptions<FileSystemObjectStoreOptions>>(),
                services.GetRequiredService<TimeProvider>(),
                LoggerOf<FileSystemObjectStore>(services)),
        };
    }

    private static ILogger<T> LoggerOf<T>(IServiceProvider services) =>
        services.GetService<ILogger<T>>() ?? NullLogger<T>.Instance;

    private sealed class FileSystemRootFromDocx2PdfOptions(IOptions<Docx2PdfOptions> docx2Pdf) : IConfigureOptions<FileSystemObjectStoreOptions>
    {
        public void Configure(FileSystemObjectStoreOptions options)
        {
            if (string.IsNullOrEmpty(options.RootPath))
            {
                options.RootPath = docx2Pdf.Value.Storage.LocalRoot;
            }
        }
    }

    private sealed class EnableFormatsOfExtensions(IOptions<Docx2PdfOptions> docx2Pdf) : IPostConfigureOptions<LibreOfficeOptions>
    {
        public void PostConfigure(string? name, LibreOfficeOptions options)
        {
            foreach (var extension in docx2Pdf.Value.Extensions)
            {
                if (DocumentFormats.FromExtension(extension) is { } entry && !options.EnabledFormats.Contains(entry.Format))
                {
                    options.EnabledFormats.Add(entry.Format);
                }
            }
        }
    }

    /// <summary>Binds <c>LibreOffice</c> under the Docx2Pdf section (the host's <c>Docx2Pdf:LibreOffice</c> by default); lists replace their defaults.</summary>
    private sealed class LibreOfficeBinder(IServiceProvider services) : IConfigureOptions<LibreOfficeOptions>
    {
        /// <summary>The explicit section; <see langword="null"/>: the host's <c>Docx2Pdf:LibreOffice</c>.</summary>
        public IConfiguration? Section { get; init; }

        public void Configure(LibreOfficeOptions options)
        {
            var bound = Section ?? services.GetService<IConfiguration>()?.GetSection(LibreOfficeOptions.SectionName);
            if (bound is not null)
            {
                options.BindKeepingSizingUnset(bound, () => Docx2PdfConfiguration.Bind(bound, options));
            }
        }
    }

    /// <summary>Binds <c>Docx2Pdf</c> from the host's configuration, when the container has one.</summary>
    private sealed class HostConfigurationBinder(IServiceProvider services) : IConfigureOptions<Docx2PdfOptions>
    {
        public void Configure(Docx2PdfOptions options)
        {
            if (services.GetService<IConfiguration>() is { } configuration)
            {
                Docx2PdfConfiguration.Bind(configuration.GetSection(Docx2PdfOptions.SectionName), options);
            }
        }
    }

    private sealed class SectionBinder(IConfiguration section) : IConfigureOptions<Docx2PdfOptions>
    {
        public void Configure(Docx2PdfOptions options) => Docx2PdfConfiguration.Bind(section, options);
    }

    private sealed class Docx2PdfBuilder(IServiceCollection services) : IDocx2PdfBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
