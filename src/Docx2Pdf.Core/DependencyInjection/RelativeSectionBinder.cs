using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Binds an adapter's options from its subsection of the Docx2Pdf section (<see cref="Docx2PdfConfiguration"/>): the
/// host's <c>Docx2Pdf:PubSub:Push</c> by default, <c>{section}:PubSub:Push</c> when <c>AddDocx2Pdf(section)</c> was used.
/// </summary>
/// <typeparam name="T">The options type.</typeparam>
internal sealed class RelativeSectionBinder<T>(IServiceProvider services, string fullSectionName) : IConfigureOptions<T>
    where T : class
{
    public void Configure(T options)
    {
        var configuration = services.GetService<Docx2PdfConfiguration>() ?? new Docx2PdfConfiguration(null);
        if (configuration.SubSection(services, fullSectionName) is { } section)
        {
            Docx2PdfConfiguration.Bind(section, options);
        }
    }

    /// <summary>Registers the binder once, however often it is asked for.</summary>
    public static void Register(IServiceCollection services, string fullSectionName)
    {
        if (services.Any(d => d.ServiceType == typeof(Marker)))
        {
            return;
        }

        services.AddSingleton<Marker>();
        services.AddSingleton<IConfigureOptions<T>>(sp => new RelativeSectionBinder<T>(sp, fullSectionName));
    }

    private sealed class Marker;
}
