using System.Net;
using System.Text;
using Docx2Pdf.AspNetCore.PubSub;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Docx2Pdf.AspNetCore.Tests;

[Trait("Layer", "Integration")]
public sealed class InvalidMessagePolicyTests
{
    // The opt-in alternative to 400: acknowledge what can never parse, so Pub/Sub drops it (the error log is its record).
    [Fact]
    public async Task Post_NotAStorageEventWithAcknowledgeInvalidMessages_204AndNothingProcessed()
    {
        await using var server = await TestServer.StartAsync(services => services.Configure<PubSubPushOptions>(o => o.AcknowledgeInvalidMessages = true));
        using var client = server.CreateClient();

        var response = await client.PostAsync(new Uri("/", UriKind.Relative), new StringContent("{\"message\":{}}", Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        server.Processed.Should().BeEmpty();
    }
}

public sealed class ConfigurationWithoutAddPubSubPushTests
{
    // The sample maps the endpoint without AddPubSubPush(): the Docx2Pdf:PubSubPush section must still apply.
    [Fact]
    public async Task MapPubSubConversion_SectionInConfigurationWithoutAddPubSubPush_SettingApplies()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder(new Microsoft.AspNetCore.Builder.WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration["Docx2Pdf:PubSubPush:AckDeadline"] = "00:00:05";
        builder.Services.AddDocx2Pdf(o => o.OutputBucket = "out");
        await using var app = builder.Build();

        var map = () => app.MapPubSubConversion();

        map.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().WithMessage("*Docx2Pdf:PubSubPush:AckDeadline*");
    }
}
