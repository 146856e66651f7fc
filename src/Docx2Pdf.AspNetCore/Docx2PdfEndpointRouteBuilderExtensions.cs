using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Docx2Pdf.AspNetCore;
using Docx2Pdf.AspNetCore.Conversion;
using Docx2Pdf.AspNetCore.Hosting;
using Docx2Pdf.AspNetCore.PubSub;
using Docx2Pdf.Conversion;
using Docx2Pdf.Delivery;
using Docx2Pdf.Pipeline;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the Docx2Pdf endpoints.</summary>
public static class Docx2PdfEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps a POST endpoint that Pub/Sub push subscriptions (wrapped, or unwrapped with metadata headers) and Eventarc
    /// (CloudEvents in binary or structured mode) deliver Cloud Storage events to. The outcome of each event becomes the
    /// status Pub/Sub acts on: 204 acknowledges (converted, ignored, duplicate, recorded permanent failure), 429 (converter
    /// busy) and 503 (other transient failures, deadline, shutdown) have it redelivered. A request that is no storage event
    /// is acknowledged (204) or, with <c>Docx2Pdf:InvalidMessages</c> = <c>Reject</c>, answered 400 naming what is wrong.
    /// Settings: <see cref="PubSubPushOptions"/>; outside the Development environment
    /// <see cref="PubSubPushOptions.Authentication"/> must be chosen or this method throws.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="pattern">The route pattern. The default value is <c>/</c>.</param>
    /// <returns>The endpoint's convention builder, for <c>.RequireAuthorization()</c> and the like.</returns>
    /// <exception cref="InvalidOperationException"><c>services.AddDocx2Pdf()</c> was not called.</exception>
    /// <exception cref="OptionsValidationException">A setting of <see cref="PubSubPushOptions"/> is invalid, or no authentication was chosen outside Development.</exception>
    public static IEndpointConventionBuilder MapPubSubConversion(this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern = "/")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        var services = endpoints.ServiceProvider;
        RequireDocx2Pdf(services, typeof(IConversionPipeline), nameof(MapPubSubConversion));

        var options = Validated(services, PubSubPushOptions.SectionName, new PubSubPushOptionsValidator(), new PubSubPushOptionsRulesValidator(services.GetService<IHostEnvironment>()));
        var handler = new PubSubPushHandler(
            services.GetRequiredService<IConversionPipeline>(),
            services.GetRequiredService<DeliveryPolicy>(),
            options,
            Shutdown(services),
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetRequiredService<ILoggerFactory>().CreateLogger("Docx2Pdf.AspNetCore.PubSubPush"));

        handler.LogAuthentication(pattern);
        return endpoints.MapPost(pattern, handler.HandleAsync).WithDisplayName("Docx2Pdf Pub/Sub push " + pattern);
    }

    /// <summary>
    /// Maps a POST endpoint that converts the document in the request (raw body, or the first file part of a
    /// multipart/form-data body) and answers <c>application/pdf</c>. Failures: 400 no document, 413 too large, 415 not a
    /// document type, 422 a document that cannot be converted, 429 converter busy (answered before the body is read when
    /// every converter and wait place is taken), 503 transient. Settings: <see cref="ConvertEndpointOptions"/>.
    /// The endpoint runs LibreOffice on whatever it is sent: map it only where it is needed and protect it with
    /// <c>.RequireAuthorization()</c> on the returned builder.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="pattern">The route pattern. The default value is <c>/convert</c>.</param>
    /// <returns>The endpoint's convention builder, for <c>.RequireAuthorization()</c>.</returns>
    /// <exception cref="InvalidOperationException"><c>services.AddDocx2Pdf()</c> was not called.</exception>
    /// <exception cref="OptionsValidationException">A setting of <see cref="ConvertEndpointOptions"/> is invalid.</exception>
    public static IEndpointConventionBuilder MapDocx2PdfConversion(this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern = "/convert")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        var services = endpoints.ServiceProvider;
        RequireDocx2Pdf(services, typeof(IDocumentConverter), nameof(MapDocx2PdfConversion));

        var options = Validated(services, ConvertEndpointOptions.SectionName, new ConvertEndpointOptionsValidator());
        var handler = new ConvertHandler(
            services.GetRequiredService<IDocumentConverter>(),
            services.GetService<ConversionAdmission>() ?? new ConversionAdmission(services.GetRequiredService<IOptions<LibreOfficeOptions>>()),
            options,
            Shutdown(services),
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetRequiredService<ILoggerFactory>().CreateLogger("Docx2Pdf.AspNetCore.Convert"));

        return endpoints.MapPost(pattern, handler.HandleAsync).WithDisplayName("Docx2Pdf convert " + pattern);
    }

    private static void RequireDocx2Pdf(IServiceProvider services, Type required, string method)
    {
        var isService = services.GetService<IServiceProviderIsService>();
        var registered = isService?.IsService(required) ?? services.GetService(required) is not null;
        if (!registered)
        {
            throw new InvalidOperationException(
                $"{method}() needs Docx2Pdf's services, but {required.Name} is not registered. Call services.AddDocx2Pdf() (for example builder.Services.AddDocx2Pdf()) before building the application.");
        }
    }

    private static T Validated<T>(IServiceProvider services, string sectionName, params IValidateOptions<T>[] validators)
        where T : class, new()
    {
        T value;
        if (services.GetService<OptionsRegistration<T>>() is not null)
        {
            value = services.GetRequiredService<IOptions<T>>().Value;
        }
        else
        {
            // Mapped without AddPubSubPush()/AddConvertEndpoint(): still honour the configuration section and code-side
            // Configure<T>() calls, so settings are never silently ignored.
            value = services.GetRequiredService<IOptions<T>>().Value;
            var configuration = services.GetService<Docx2PdfConfiguration>() ?? new Docx2PdfConfiguration(null);
            if (configuration.SubSection(services, sectionName) is { } section)
            {
                Docx2PdfConfiguration.Bind(section, value);
            }
        }

        // Validated here as well as on start, so an endpoint mapped without AddPubSubPush()/AddConvertEndpoint() is checked too.
        var results = new ValidateOptionsResultBuilder();
        foreach (var validator in validators)
        {
            results.AddResult(validator.Validate(Microsoft.Extensions.Options.Options.DefaultName, value));
        }

        var result = results.Build();
        return result.Failed ? throw new OptionsValidationException(Microsoft.Extensions.Options.Options.DefaultName, typeof(T), result.Failures) : value;
    }

    // Hosts that mapped an endpoint without AddPubSubPush()/AddConvertEndpoint() (which register the coordinator in the
    // container) still get exactly one coordinator per host, shared by every Map* call, so a SIGTERM drains one count.
    private static readonly ConditionalWeakTable<IServiceProvider, ShutdownCoordinator> Unregistered = [];

    /// <summary>The host's one <see cref="ShutdownCoordinator"/>: the container's, else one per service provider, disposed when the host stops.</summary>
    internal static ShutdownCoordinator Shutdown(IServiceProvider services)
    {
        if (services.GetService<ShutdownCoordinator>() is { } registered)
        {
            return registered;
        }

        return Unregistered.GetValue(services, static sp =>
        {
            var coordinator = ActivatorUtilities.CreateInstance<ShutdownCoordinator>(sp, sp.GetService<TimeProvider>() ?? TimeProvider.System);
            sp.GetService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>()?.ApplicationStopped.Register(coordinator.Dispose);
            return coordinator;
        });
    }
}
