using System.Net;
using System.Text;
using Docx2Pdf.AspNetCore.PubSub;
using Microsoft.Extensions.DependencyInjection;

namespace Docx2Pdf.AspNetCore.Tests;

// The push body limit is Docx2Pdf:PubSub:Push:MaxRequestBodySize and nothing else: 413 beyond it, read below it.
[Trait("Layer", "Integration")] // starts Kestrel with the real pipeline
public sealed class PushBodyLimitTests
{
    [Fact]
    public async Task Post_BodyOverOneMiBUnderTheConfiguredLimit_IsReadAndAcknowledged()
    {
        await using var server = await TestServer.StartAsync(services => services.Configure<PubSubPushOptions>(o => o.MaxRequestBodySize = 4L * 1024 * 1024));
        using var client = server.CreateClient();
        var padding = new string('x', 1536 * 1024);
        var body = "{\"message\":{\"attributes\":{\"eventType\":\"OBJECT_DELETE\",\"bucketId\":\"in-bucket\",\"objectId\":\"a.docx\",\"objectGeneration\":\"1\",\"payloadFormat\":\"NONE\",\"padding\":\"" + padding + "\"},\"messageId\":\"big-1\"},\"subscription\":\"s\"}";

        var response = await client.PostAsync(new Uri("/", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        server.Processed.Should().ContainSingle(p => p.Event.MessageId == "big-1", "the reader has no limit of its own below the configured one");
    }

    [Fact]
    public async Task Post_BodyOverTheConfiguredLimit_413()
    {
        await using var server = await TestServer.StartAsync(services => services.Configure<PubSubPushOptions>(o => o.MaxRequestBodySize = 4096));
        using var client = server.CreateClient();
        var body = "{\"message\":{\"attributes\":{\"padding\":\"" + new string('x', 8192) + "\"}}}";

        var response = await client.PostAsync(new Uri("/", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        server.Processed.Should().BeEmpty();
    }
}
