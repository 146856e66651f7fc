using Docx2Pdf.PubSub.Pull;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.PubSub.Tests;

/// <summary>
/// Fast layer: <see cref="PubSubPullOptions"/> is checked by its source-generated validator plus one rules validator, and
/// each failure names the configuration path. (It has no list settings.)
/// </summary>
public sealed class PubSubPullOptionsValidationTests
{
    public static TheoryData<string, Action<PubSubPullOptions>> Cases => new()
    {
        { "Docx2Pdf:PubSub:Pull:Subscription", o => o.Subscription = null },
        { "Docx2Pdf:PubSub:Pull:Subscription", o => o.Subscription = "projects/p/topics/t" },
        { "Docx2Pdf:PubSub:Pull:Endpoint", o => o.Endpoint = new Uri("ftp://127.0.0.1/") },
        { "Docx2Pdf:PubSub:Pull:MaxConcurrentConversions", o => o.MaxConcurrentConversions = 0 },
        { "Docx2Pdf:PubSub:Pull:MaxOutstandingMessages", o => o.MaxOutstandingMessages = 1001 },
        { "Docx2Pdf:PubSub:Pull:AckDeadline", o => o.AckDeadline = TimeSpan.FromSeconds(5) },
        { "Docx2Pdf:PubSub:Pull:MaxLeaseDuration", o => o.MaxLeaseDuration = TimeSpan.FromDays(2) },
        { "Docx2Pdf:PubSub:Pull:MaxLeaseDuration", o => o.MaxLeaseDuration = TimeSpan.FromSeconds(30) },
        { "Docx2Pdf:PubSub:Pull:MaxIdlePollInterval", o => o.MaxIdlePollInterval = TimeSpan.FromHours(1) },
        { "Docx2Pdf:PubSub:Pull:MaxPullBackoff", o => o.MaxPullBackoff = TimeSpan.FromDays(1) },
        { "Docx2Pdf:PubSub:Pull:RequestTimeout", o => o.RequestTimeout = TimeSpan.FromMinutes(6) },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Validate_BadValue_FailureNamesItsPath(string path, Action<PubSubPullOptions> change)
    {
        var options = new PubSubPullOptions { Subscription = "projects/p/subscriptions/sub" };
        change(options);

        var failures = Validate(options);

        failures.Should().ContainSingle().Which.Should().Contain(path + " ");
    }

    [Fact]
    public void Validate_Defaults_Pass()
    {
        Validate(new PubSubPullOptions { Subscription = "projects/p/subscriptions/sub" }).Should().BeEmpty();
    }

    private static List<string> Validate(PubSubPullOptions options) =>
        new IValidateOptions<PubSubPullOptions>[] { new PubSubPullOptionsValidator(), new PubSubPullOptionsRulesValidator() }
            .SelectMany(v => v.Validate(null, options) is { Failed: true } r ? r.Failures : []).ToList();
}
