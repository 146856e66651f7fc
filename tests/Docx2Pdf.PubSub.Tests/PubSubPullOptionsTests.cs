using System.Net;
using Docx2Pdf.PubSub.Pull;
using Google.Apis.Auth.OAuth2;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.PubSub.Tests;

public sealed class PubSubPullOptionsTests
{
    [Theory]
    [Trait("Layer", "Integration")] // start-up validation locates the installed LibreOffice (it starts none)
    [InlineData(null)]
    [InlineData("my-subscription")]
    [InlineData("projects/p/topics/t")]
    [InlineData("projects/p/subscriptions/a")]
    [InlineData("projects//subscriptions/valid-name")]
    public async Task StartAsync_BadSubscription_FailsNamingTheSetting(string? subscription)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddDocx2Pdf(o => o.OutputBucket = "pdfs-out").AddPubSubPullConversion(o => o.Subscription = subscription);
        using var host = builder.Build();

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("Docx2Pdf:PubSub:Pull:Subscription");
    }

    [Fact]
    public void Validate_OutstandingBelowConcurrency_FailsNamingBothSettings()
    {
        var result = new PubSubPullOptionsRulesValidator().Validate(null, new PubSubPullOptions
        {
            Subscription = "projects/p/subscriptions/sub",
            MaxConcurrentConversions = 4,
            MaxOutstandingMessages = 2,
        });

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("Docx2Pdf:PubSub:Pull:MaxOutstandingMessages").And.Contain("Docx2Pdf:PubSub:Pull:MaxConcurrentConversions");
    }

    [Fact]
    [Trait("Layer", "Integration")] // reading LibreOfficeOptions validates them, which locates the installed LibreOffice (it starts none)
    public void AddPubSubPullConversion_HostConfiguration_BindsDocx2PdfPubSubSection()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Docx2Pdf:PubSub:Pull:Subscription"] = "projects/p/subscriptions/from-config",
            ["Docx2Pdf:PubSub:Pull:MaxOutstandingMessages"] = "7",
            ["Docx2Pdf:PubSub:Pull:AckDeadline"] = "00:02:00",
        });
        builder.Services.AddDocx2Pdf(o => o.OutputBucket = "pdfs-out").AddPubSubPullConversion();
        builder.Services.AddDocx2Pdf().AddPubSubPullConversion(o => o.MaxConcurrentConversions = 3);
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<IOptions<PubSubPullOptions>>().Value;

        options.Subscription.Should().Be("projects/p/subscriptions/from-config");
        options.MaxOutstandingMessages.Should().Be(7);
        options.MaxConcurrentConversions.Should().Be(3, "code runs after configuration");
        options.AckDeadline.Should().Be(TimeSpan.FromMinutes(2));
        host.Services.GetServices<IHostedService>().OfType<PubSubPullSubscriber>().Should().ContainSingle("calling it twice registers one subscriber");
    }

    [Fact]
    public void AddPubSubPullConversion_Section_BindsIt()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Workers:Pull:Subscription"] = "projects/p/subscriptions/from-section",
        }).Build();
        var services = new ServiceCollection();
        services.AddDocx2Pdf(o => o.OutputBucket = "pdfs-out").AddPubSubPullConversion(configuration.GetSection("Workers:Pull"));
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IOptions<PubSubPullOptions>>().Value.Subscription.Should().Be("projects/p/subscriptions/from-section");
    }

    [Theory]
    [InlineData(null, null, "https://pubsub.googleapis.com/")]
    [InlineData(null, "127.0.0.1:8085", "http://127.0.0.1:8085/")]
    [InlineData("http://10.0.0.1:9000", "127.0.0.1:8085", "http://10.0.0.1:9000/")]
    public void Resolve_OptionThenEmulatorHostThenProduction(string? endpoint, string? emulatorHost, string expected)
    {
        var options = new PubSubPullOptions { Endpoint = endpoint is null ? null : new Uri(endpoint) };

        PubSubEndpoint.Resolve(options, name => name == "PUBSUB_EMULATOR_HOST" ? emulatorHost : null).Should().Be(new Uri(expected));
    }

    [Theory]
    [InlineData("https://pubsub.googleapis.com/v1/projects/p/subscriptions/s:pull", "Bearer token-1")]
    [InlineData("http://127.0.0.1:8085/v1/projects/p/subscriptions/s:pull", null)]
    public async Task CredentialHandler_AttachesTokenOnlyOverHttps(string url, string? expectedAuthorization)
    {
        var seen = new List<string?>();
        using var handler = new GoogleCredentialHandler(() => Task.FromResult<ITokenAccess>(new FixedToken("token-1")))
        {
            InnerHandler = new Recorder(seen),
        };
        using var client = new HttpClient(handler);

        using var response = await client.PostAsync(new Uri(url), null);

        seen.Should().Equal(expectedAuthorization);
    }

    private sealed class FixedToken(string token) : ITokenAccess
    {
        public Task<string> GetAccessTokenForRequestAsync(string? authUri = null, CancellationToken cancellationToken = default) => Task.FromResult(token);
    }

    private sealed class Recorder(List<string?> seen) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            seen.Add(request.Headers.Authorization?.ToString());
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }
}
