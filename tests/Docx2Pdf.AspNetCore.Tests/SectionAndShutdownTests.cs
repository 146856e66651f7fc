using Docx2Pdf.AspNetCore.Conversion;
using Docx2Pdf.AspNetCore.PubSub;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.AspNetCore.Tests;

public sealed class SectionAndShutdownTests
{
    // AddDocx2Pdf(section) moves every adapter's settings with it: Push and Convert bind under the section passed.
    [Fact]
    public async Task AddDocx2Pdf_CustomSection_AdaptersBindRelativeToIt()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Converter:OutputBucket"] = "out",
            ["Converter:PubSub:Push:Authentication"] = "Platform",
            ["Converter:PubSub:Push:AckDeadline"] = "00:02:00",
            ["Converter:Convert:MaxRequestBodySize"] = "12345",
            ["Docx2Pdf:PubSub:Push:AckDeadline"] = "00:05:00",
        });
        builder.Services.AddDocx2Pdf(builder.Configuration.GetSection("Converter")).AddPubSubPush().AddConvertEndpoint();
        await using var app = builder.Build();

        app.Services.GetRequiredService<IOptions<PubSubPushOptions>>().Value.AckDeadline.Should().Be(TimeSpan.FromMinutes(2));
        app.Services.GetRequiredService<IOptions<ConvertEndpointOptions>>().Value.MaxRequestBodySize.Should().Be(12345);
    }

    // One coordinator per host, even when the endpoints are mapped without AddPubSubPush()/AddConvertEndpoint().
    [Fact]
    public async Task Shutdown_MappedWithoutRegistration_OneCoordinatorPerHost()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Services.AddDocx2Pdf(o => o.OutputBucket = "out");
        await using var app = builder.Build();
        await using var other = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production }).Build();

        var first = Docx2PdfEndpointRouteBuilderExtensions.Shutdown(app.Services);
        var second = Docx2PdfEndpointRouteBuilderExtensions.Shutdown(app.Services);

        second.Should().BeSameAs(first);
        Docx2PdfEndpointRouteBuilderExtensions.Shutdown(other.Services).Should().NotBeSameAs(first);
    }

    [Fact]
    public async Task Shutdown_Registered_TheContainersInstance()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Services.AddDocx2Pdf(o => o.OutputBucket = "out").AddPubSubPush().AddConvertEndpoint();
        await using var app = builder.Build();

        Docx2PdfEndpointRouteBuilderExtensions.Shutdown(app.Services).Should().BeSameAs(app.Services.GetRequiredService<Hosting.ShutdownCoordinator>());
    }
}
