using System.Net;
using Docx2Pdf.AspNetCore.PubSub;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.AspNetCore.Tests;

// Issue 9 finding 1: push authentication was off by default and nothing at start said so. Now it is an explicit choice:
// outside Development a host that made none does not start; each choice says at start what it means.
[Trait("Layer", "Integration")]
public sealed class PushAuthenticationChoiceTests
{
    [Fact]
    public async Task Start_ProductionWithoutAChoice_HostDoesNotStartAndTheMessageExplainsTheThreeChoices()
    {
        var builder = Builder(Environments.Production, push: null);
        await using var app = builder.Build();

        var start = () => app.StartAsync();
        var map = () => app.MapPubSubConversion();

        var refused = (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message;
        map.Should().Throw<OptionsValidationException>().Which.Message.Should().Be(refused);
        refused.Should().Contain(PubSubPushOptions.SectionName + ":Authentication")
            .And.Contain("GoogleOidc (").And.Contain("Platform (").And.Contain("None (")
            .And.Contain("--no-allow-unauthenticated").And.Contain("private network");
    }

    [Fact]
    public async Task Start_GoogleOidcWithoutAudience_HostDoesNotStart()
    {
        var builder = Builder(Environments.Production, push: o =>
        {
            o.Authentication = PushAuthentication.GoogleOidc;
            o.GoogleOidc.AllowedServiceAccounts.Add(OidcTokens.PushAccount);
        });
        await using var app = builder.Build();

        var start = () => app.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message
            .Should().Contain(PubSubPushOptions.SectionName + ":GoogleOidc:Audience").And.Contain("Host header");
    }

    [Fact]
    public async Task Map_Platform_LoggedAtStart()
    {
        var builder = Builder(Environments.Production, push: o => o.Authentication = PushAuthentication.Platform);
        await using var app = builder.Build();

        app.MapPubSubConversion("/push");

        var line = app.Services.GetFakeLogCollector().GetSnapshot().Should().ContainSingle(r => r.Id.Id == 1014).Which;
        line.Level.Should().Be(LogLevel.Information);
        line.Message.Should().Contain("/push").And.Contain("--no-allow-unauthenticated");
    }

    [Fact]
    public async Task Map_None_WarnedAtStart()
    {
        var builder = Builder(Environments.Production, push: o => o.Authentication = PushAuthentication.None);
        await using var app = builder.Build();

        app.MapPubSubConversion("/push");

        var line = app.Services.GetFakeLogCollector().GetSnapshot().Should().ContainSingle(r => r.Id.Id == 1015).Which;
        line.Level.Should().Be(LogLevel.Warning);
        line.Message.Should().Contain("private network");
    }

    [Fact]
    public async Task Map_GoogleOidc_LoggedAtStartWithAudienceAndAccount()
    {
        var builder = Builder(Environments.Production, push: o =>
        {
            o.Authentication = PushAuthentication.GoogleOidc;
            o.GoogleOidc.Audience = "https://docx2pdf.example/";
            o.GoogleOidc.AllowedServiceAccounts.Add(OidcTokens.PushAccount);
        });
        await using var app = builder.Build();

        app.MapPubSubConversion("/push");

        var line = app.Services.GetFakeLogCollector().GetSnapshot().Should().ContainSingle(r => r.Id.Id == 1013).Which;
        line.Message.Should().Contain("https://docx2pdf.example/").And.Contain(OidcTokens.PushAccount).And.Contain("RS256");
    }

    // Development keeps the inner loop short: no choice runs without a check, and says so.
    [Fact]
    [Trait("Layer", "Integration")] // starts Kestrel with the real pipeline
    public async Task Push_DevelopmentWithoutAChoice_StartsWarnsAndAccepts()
    {
        await using var server = await TestServer.StartAsync(
            services => services.Configure<PubSubPushOptions>(o => o.Authentication = null),
            builderHook: b => b.Logging.AddFakeLogging(),
            environmentName: Environments.Development);
        using var client = server.CreateClient();

        using var request = PushRequests.Wrapped(TestServer.InputBucket, "dev/doc.docx", 1, 100, eventType: "OBJECT_DELETE");
        var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        server.App.Services.GetFakeLogCollector().GetSnapshot().Should().ContainSingle(r => r.Id.Id == 1016)
            .Which.Level.Should().Be(LogLevel.Warning);
    }

    private static WebApplicationBuilder Builder(string environment, Action<PubSubPushOptions>? push)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.WebHost.UseKestrel();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.AddFakeLogging();
        builder.Services.AddDocx2Pdf(o => o.OutputBucket = "out").AddPubSubPush(push);
        return builder;
    }
}
