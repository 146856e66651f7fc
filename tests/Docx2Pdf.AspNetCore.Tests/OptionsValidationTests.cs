using Docx2Pdf.AspNetCore.Conversion;
using Docx2Pdf.AspNetCore.PubSub;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.AspNetCore.Tests;

/// <summary>
/// Fast layer: the push and convert endpoint options are checked by their source-generated validator plus at most one
/// rules validator, each failure names the configuration path, and a configured list replaces its default.
/// </summary>
public sealed class OptionsValidationTests
{
    public static TheoryData<string, Action<PubSubPushOptions>> PushCases => new()
    {
        { "Docx2Pdf:PubSub:Push:AckDeadline", o => o.AckDeadline = TimeSpan.FromSeconds(5) },
        { "Docx2Pdf:PubSub:Push:AckDeadline", o => o.AckDeadline = TimeSpan.FromDays(60) },
        { "Docx2Pdf:PubSub:Push:DeadlineSafetyMargin", o => o.DeadlineSafetyMargin = TimeSpan.FromHours(1) },
        { "Docx2Pdf:PubSub:Push:MaxRequestBodySize", o => o.MaxRequestBodySize = 100 },
        { "Docx2Pdf:PubSub:Push:Authentication", o => o.Authentication = (PushAuthentication)42 },
        { "Docx2Pdf:PubSub:Push:GoogleOidc:Audience", o => o.GoogleOidc.Audience = null },
        { "Docx2Pdf:PubSub:Push:GoogleOidc:AllowedServiceAccounts", o => o.GoogleOidc.AllowedServiceAccounts.Clear() },
        { "Docx2Pdf:PubSub:Push:GoogleOidc:Issuers", o => o.GoogleOidc.Issuers.Clear() },
        { "Docx2Pdf:PubSub:Push:GoogleOidc:CertificatesUrl", o => o.GoogleOidc.CertificatesUrl = "not a url" },
        { "Docx2Pdf:PubSub:Push:GoogleOidc:ClockTolerance", o => o.GoogleOidc.ClockTolerance = TimeSpan.FromHours(1) },
    };

    [Theory]
    [MemberData(nameof(PushCases))]
    public void PubSubPushOptions_BadValue_FailureNamesItsPath(string path, Action<PubSubPushOptions> change)
    {
        var options = ValidGoogleOidc();
        change(options);

        var failures = Validate(options, new PubSubPushOptionsValidator(), new PubSubPushOptionsRulesValidator());

        failures.Should().ContainSingle().Which.Should().Contain(path + " ");
    }

    [Fact]
    public void PubSubPushOptions_ValidGoogleOidc_PassesBothValidators()
    {
        Validate(ValidGoogleOidc(), new PubSubPushOptionsValidator(), new PubSubPushOptionsRulesValidator()).Should().BeEmpty();
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(5L * 1024 * 1024 * 1024)]
    public void ConvertEndpointOptions_BadBodySize_FailureNamesItsPath(long size)
    {
        var failures = Validate(new ConvertEndpointOptions { MaxRequestBodySize = size }, new ConvertEndpointOptionsValidator());

        failures.Should().ContainSingle().Which.Should().Contain("Docx2Pdf:Convert:MaxRequestBodySize ");
    }

    [Fact]
    public void AddPubSubPush_ConfiguredIssuers_ReplaceTheDefaults()
    {
        var options = PushOptionsFrom(new Dictionary<string, string?> { ["Docx2Pdf:PubSub:Push:GoogleOidc:Issuers:0"] = "https://issuer.example" });

        options.GoogleOidc.Issuers.Should().Equal("https://issuer.example");
    }

    [Fact]
    public void AddPubSubPush_ConfiguredAllowedServiceAccounts_ReplaceWhatCodeSet()
    {
        var options = PushOptionsFrom(
            new Dictionary<string, string?> { ["Docx2Pdf:PubSub:Push:GoogleOidc:AllowedServiceAccounts:0"] = "from-config@p.iam.gserviceaccount.com" },
            before: o => o.GoogleOidc.AllowedServiceAccounts.Add("from-code@p.iam.gserviceaccount.com"));

        options.GoogleOidc.AllowedServiceAccounts.Should().Equal("from-config@p.iam.gserviceaccount.com");
    }

    [Fact]
    public void AddPubSubPush_IssuersNotConfigured_KeepTheDefaults()
    {
        var options = PushOptionsFrom(new Dictionary<string, string?> { ["Docx2Pdf:PubSub:Push:GoogleOidc:Audience"] = "https://a.example/" });

        options.GoogleOidc.Issuers.Should().Equal("accounts.google.com", "https://accounts.google.com");
        options.GoogleOidc.Audience.Should().Be("https://a.example/");
    }

    [Fact]
    public void AddPubSubPush_CustomSection_ListsBoundRelativeToIt()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Converter:PubSub:Push:GoogleOidc:Issuers:0"] = "https://custom.example",
            ["Docx2Pdf:PubSub:Push:GoogleOidc:Issuers:0"] = "https://ignored.example",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddDocx2Pdf(configuration.GetSection("Converter")).AddPubSubPush(o => o.Authentication = PushAuthentication.Platform);
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IOptions<PubSubPushOptions>>().Value.GoogleOidc.Issuers.Should().Equal("https://custom.example");
    }

    private static PubSubPushOptions PushOptionsFrom(Dictionary<string, string?> settings, Action<PubSubPushOptions>? before = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        if (before is not null)
        {
            services.Configure(before);
        }

        services.AddDocx2Pdf().AddPubSubPush(o => o.Authentication = PushAuthentication.Platform);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<PubSubPushOptions>>().Value;
    }

    private static PubSubPushOptions ValidGoogleOidc()
    {
        var options = new PubSubPushOptions { Authentication = PushAuthentication.GoogleOidc };
        options.GoogleOidc.Audience = "https://docx2pdf.example/";
        options.GoogleOidc.AllowedServiceAccounts.Add("push@p.iam.gserviceaccount.com");
        return options;
    }

    private static List<string> Validate<T>(T options, params IValidateOptions<T>[] validators)
        where T : class =>
        validators.SelectMany(v => v.Validate(null, options) is { Failed: true } r ? r.Failures : []).ToList();
}
