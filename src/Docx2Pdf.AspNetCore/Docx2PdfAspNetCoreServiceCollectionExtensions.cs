using Docx2Pdf.AspNetCore;
using Docx2Pdf.AspNetCore.Conversion;
using Docx2Pdf.AspNetCore.Hosting;
using Docx2Pdf.AspNetCore.PubSub;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the settings of the Docx2Pdf ASP.NET Core endpoints, validated at start-up.</summary>
public static class Docx2PdfAspNetCoreServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="PubSubPushOptions"/> to <c>Docx2Pdf:PubSub:Push</c>, applies <paramref name="configure"/> and validates
    /// the result when the host starts. Optional: <c>MapPubSubConversion()</c> also runs on the defaults.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddDocx2Pdf()</c>.</param>
    /// <param name="configure">Changes to the settings, applied after configuration.</param>
    /// <returns>The same builder.</returns>
    public static IDocx2PdfBuilder AddPubSubPush(this IDocx2PdfBuilder builder, Action<PubSubPushOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<PubSubPushOptions>().ValidateOnStart();
        RelativeSectionBinder<PubSubPushOptions>.Register(builder.Services, PubSubPushOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PubSubPushOptions>, PubSubPushOptionsValidator>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PubSubPushOptions>, PubSubPushOptionsRulesValidator>());
        builder.Services.TryAddSingleton<OptionsRegistration<PubSubPushOptions>>();
        AddShared(builder.Services);
        return builder;
    }

    /// <summary>
    /// Binds <see cref="ConvertEndpointOptions"/> to <c>Docx2Pdf:Convert</c>, applies <paramref name="configure"/> and
    /// validates the result when the host starts. Optional: <c>MapDocx2PdfConversion()</c> also runs on the defaults.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddDocx2Pdf()</c>.</param>
    /// <param name="configure">Changes to the settings, applied after configuration.</param>
    /// <returns>The same builder.</returns>
    public static IDocx2PdfBuilder AddConvertEndpoint(this IDocx2PdfBuilder builder, Action<ConvertEndpointOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<ConvertEndpointOptions>().ValidateOnStart();
        RelativeSectionBinder<ConvertEndpointOptions>.Register(builder.Services, ConvertEndpointOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConvertEndpointOptions>, ConvertEndpointOptionsValidator>());
        builder.Services.TryAddSingleton<OptionsRegistration<ConvertEndpointOptions>>();
        AddShared(builder.Services);
        return builder;
    }

    private static void AddShared(IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ShutdownCoordinator>();
    }
}
