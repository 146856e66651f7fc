using System.Net;
using System.Text;
using Docx2Pdf.AspNetCore.PubSub;
using Microsoft.Extensions.DependencyInjection;

namespace Docx2Pdf.AspNetCore.Tests;

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
