using Docx2Pdf.AspNetCore.PubSub;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.AspNetCore.Tests;

public sealed class MappingTests
{
    [Fact]
    public async Task MapPubSubConversion_WithoutAddDocx2Pdf_ThrowsNamingTheFix()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        await using var app = builder.Build();

        var map = () => app.MapPubSubConversion();

        map.Should().Throw<InvalidOperationException>().WithMessage("*services.AddDocx2Pdf()*");
    }

    [Fact]
    public async Task MapDocx2PdfConversion_WithoutAddDocx2Pdf_ThrowsNamingTheFix()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        await using var app = builder.Build();

        var map = () => app.MapDocx2PdfConversion();

        map.Should().Throw<InvalidOperationException>().WithMessage("*services.AddDocx2Pdf()*");
    }

    [Fact]
    public async Task Start_AckDeadlineOutOfRange_FailsNamingTheSetting()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Services.AddDocx2Pdf(o => o.OutputBucket = "out").AddPubSubPush(o =>
        {
            o.AckDeadline = TimeSpan.FromSeconds(5);
            o.Authentication = PushAuthentication.None;
        });
        await using var app = builder.Build();

        var map = () => app.MapPubSubConversion();

        map.Should().Throw<OptionsValidationException>().WithMessage("*Docx2Pdf:PubSub:Push:AckDeadline*");
    }

    [Fact]
    public void Validate_AuthenticationWithoutAllowedAccounts_FailsNamingTheSetting()
    {
        var options = new PubSubPushOptions { Authentication = PushAuthentication.GoogleOidc };
        options.GoogleOidc.Audience = "https://docx2pdf.example/";

        var result = new PubSubPushOptionsRulesValidator().Validate(null, options);

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain(PubSubPushOptions.SectionName + ":GoogleOidc:AllowedServiceAccounts");
    }

    [Fact]
    public void Validate_DefaultsWithAnAuthenticationChoice_Succeed()
    {
        new PubSubPushOptionsRulesValidator().Validate(null, new PubSubPushOptions { Authentication = PushAuthentication.Platform }).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void EffectiveMargin_LargerThanHalfTheDeadline_IsCappedAtHalf()
    {
        var options = new PubSubPushOptions { AckDeadline = TimeSpan.FromSeconds(10), DeadlineSafetyMargin = TimeSpan.FromSeconds(30) };

        PubSubPushOptionsRulesValidator.EffectiveMargin(options).Should().Be(TimeSpan.FromSeconds(5));
    }
}
