using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Docx2Pdf.Delivery;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Docx2Pdf.AspNetCore.Tests;

[Trait("Layer", "Integration")]
public sealed class InvalidMessagePolicyTests
{
    // The default (issue "Safe by default"): acknowledge what can never parse, so Pub/Sub does not redeliver it for days.
    [Fact]
    public async Task Post_NotAStorageEventByDefault_204AndNothingProcessed()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.CreateClient();

        var response = await client.PostAsync(new Uri("/", UriKind.Relative), new StringContent("{\"message\":{\"messageId\":\"bad-1\"}}", Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        server.Processed.Should().BeEmpty();
    }

    // The opt-in alternative for subscriptions with a dead-letter topic: 400 naming the field, so Pub/Sub keeps the message.
    [Theory]
    [InlineData("{\"message\":{\"attributes\":{\"eventType\":\"OBJECT_FINALIZE\",\"objectId\":\"a.docx\",\"objectGeneration\":\"1\",\"payloadFormat\":\"NONE\"},\"messageId\":\"1\"},\"subscription\":\"s\"}", "bucketId")]
    [InlineData("{\"message\":{\"data\":\"***not base64***\",\"messageId\":\"1\"},\"subscription\":\"s\"}", "message.data")]
    [InlineData("this is not json", "body")]
    [InlineData("", "body")]
    public async Task Post_NotAStorageEventWithReject_400ProblemNamingTheField(string body, string field)
    {
        await using var server = await TestServer.StartAsync(docx2Pdf: o => o.InvalidMessages = InvalidMessageHandling.Reject);
        using var client = server.CreateClient();

        var response = await client.PostAsync(new Uri("/", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        problem["type"]!.GetValue<string>().Should().Be("urn:docx2pdf:problem:invalid-message");
        problem["field"]!.GetValue<string>().Should().NotBeNullOrEmpty().And.Contain(field);
        problem["detail"]!.GetValue<string>().Should().NotBeNullOrEmpty();
        var text = problem.ToJsonString();
        text.Should().NotContain("   at ").And.NotContain(Path.GetTempPath()).And.NotContain("Exception");
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
