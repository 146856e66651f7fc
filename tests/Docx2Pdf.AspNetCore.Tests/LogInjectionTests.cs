using System.Net;
using System.Text;
using Docx2Pdf.Pipeline;
using Docx2Pdf.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Docx2Pdf.AspNetCore.Tests;

// Issue 9 finding 10: object names reached logs raw, so a CR/LF or a bidi control in a name (or a percent-encoded one in
// ce-subject) forged log lines. Requests go through Kestrel, the real push endpoint and the real pipeline; the log lines
// are what the real formatter wrote.
[Trait("Layer", "Integration")]
public sealed class LogInjectionTests
{
    private const string Forged = "x.docx\r\n2026-11-30 info: Docx2Pdf[401] Converted event 1: gs://in-bucket/payroll.docx";

    [Fact]
    public async Task Push_ObjectNameWithLineBreaksAndBidiControl_EveryLogLineEscaped()
    {
        await using var server = await TestServer.StartAsync(builderHook: b => b.Logging.AddFakeLogging());
        using var client = server.CreateClient();
        var name = "invoices/" + Forged + "\u202Excod.docx";

        using var request = PushRequests.Wrapped(TestServer.InputBucket, name, 1, 100, messageId: "id\r\nforged-\u202Eid");
        var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        server.Processed.Should().ContainSingle().Which.Event.ObjectName.Should().Be(name, "the name itself is untouched");
        AssertNoRawControls(server, mustMention: "\\u000D\\u000A2026-11-30 info");
        Lines(server).Should().Contain(l => l.Contains("\\u202Excod.docx", StringComparison.Ordinal) && l.Contains("forged-\\u202Eid", StringComparison.Ordinal));
    }

    // Header values cannot carry raw line breaks, so a sender percent-encodes them; the reader decodes ce-subject.
    [Fact]
    public async Task Push_CloudEventSubjectPercentEncodingBidiAndLineSeparator_EveryLogLineEscaped()
    {
        await using var server = await TestServer.StartAsync(builderHook: b => b.Logging.AddFakeLogging());
        using var client = server.CreateClient();
        var name = "scans/x.docx\u20282026-11-30 info: Docx2Pdf[401] Converted\u202Excod.docx";

        var response = await client.SendAsync(CloudEventWithEncodedSubject(name, "ce-1"));

        response.StatusCode.Should().Be(HttpStatusCode.NoContent, await response.Content.ReadAsStringAsync());
        server.Processed.Should().ContainSingle().Which.Event.ObjectName.Should().Be(name, "ce-subject is percent-decoded");
        AssertNoRawControls(server, mustMention: "x.docx\\u20282026-11-30 info");
        Lines(server).Should().Contain(l => l.Contains("\\u202Excod.docx", StringComparison.Ordinal));
    }

    // The CloudEvents reader refuses control characters in ce-subject; what it logs about the refusal is escaped too.
    [Fact]
    public async Task Push_CloudEventSubjectPercentEncodingCrLf_RefusedAndEveryLogLineEscaped()
    {
        await using var server = await TestServer.StartAsync(builderHook: b => b.Logging.AddFakeLogging());
        using var client = server.CreateClient();

        var response = await client.SendAsync(CloudEventWithEncodedSubject("scans/" + Forged, "ce-2"));

        ((int)response.StatusCode).Should().BeLessThan(500);
        server.Processed.Should().BeEmpty();
        AssertNoRawControls(server, mustMention: "ce-subject");
    }

    private static HttpRequestMessage CloudEventWithEncodedSubject(string name, string id)
    {
        var request = PushRequests.CloudEventBinary(TestServer.InputBucket, "placeholder.docx", 1, 100, id);
        request.Content = new StringContent(PushRequests.ObjectResource(TestServer.InputBucket, name, 1, 100).ToJsonString(), Encoding.UTF8, "application/json");
        request.Headers.Remove("ce-subject");
        request.Headers.TryAddWithoutValidation("ce-subject", "objects/" + Uri.EscapeDataString(name));
        return request;
    }

    private static List<string> Lines(TestServer server) =>
        server.App.Services.GetFakeLogCollector().GetSnapshot()
            .Select(r => r.Message + (r.Exception is null ? string.Empty : " " + r.Exception))
            .ToList();

    private static void AssertNoRawControls(TestServer server, string mustMention)
    {
        var lines = Lines(server);
        lines.Should().Contain(l => l.Contains(mustMention, StringComparison.Ordinal), "the name is logged, escaped");
        foreach (var line in lines)
        {
            line.Should().NotContainAny(["\r", "\n", "\u202E", "\u2028"], "no log line may carry a raw line break or bidi control: " + line.Replace("\n", "⏎", StringComparison.Ordinal));
        }
    }
}

public sealed class LogMessageTests
{
    // Every [LoggerMessage] string parameter goes through LogText: a new log line cannot forget it.
    [Fact]
    public void LoggerMessages_CoreAndAspNetCore_NoRawStringParameter()
    {
        LogMessages.RawStringParameters(typeof(IConversionPipeline).Assembly).Should().BeEmpty();
        LogMessages.RawStringParameters(typeof(Docx2Pdf.AspNetCore.PubSub.PubSubPushOptions).Assembly).Should().BeEmpty();
    }
}
