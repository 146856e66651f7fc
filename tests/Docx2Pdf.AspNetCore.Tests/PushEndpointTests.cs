using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Docx2Pdf.Pipeline;
using Docx2Pdf.Testing;

namespace Docx2Pdf.AspNetCore.Tests;

public sealed class SharedServerFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

// Direct HTTP requests (no emulator) against one shared server: each delivery shape and each answer.
[Trait("Layer", "Integration")]
public sealed class PushEndpointTests(SharedServerFixture fixture) : IClassFixture<SharedServerFixture>
{
    private static readonly CorpusDocument Document = Corpus.Get("python-docx/test.docx");

    private TestServer Server => fixture.Server;

    [Fact]
    public async Task Post_WrappedPushForCorpusDocument_ConvertsAndAnswers204()
    {
        var info = await Server.PutAsync("wrapped/report.docx", Document.FullPath);
        using var client = Server.CreateClient();

        using var request = PushRequests.Wrapped(TestServer.InputBucket, "wrapped/report.docx", info.Generation, info.Size);
        var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        var pdf = await Server.Store.GetInfoAsync(TestServer.OutputBucket, "wrapped/report.pdf");
        pdf.Should().NotBeNull();
        pdf!.Size.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task Post_CloudEventBinary_ConvertsAndAnswers204()
    {
        var info = await Server.PutAsync("eventarc/binary.docx", Document.FullPath);
        using var client = Server.CreateClient();

        using var request = PushRequests.CloudEventBinary(TestServer.InputBucket, "eventarc/binary.docx", info.Generation, info.Size, "ce-binary-1");
        var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await Server.Store.GetInfoAsync(TestServer.OutputBucket, "eventarc/binary.pdf")).Should().NotBeNull();
        Server.Processed.Should().Contain(p => p.Event.MessageId == "ce-binary-1" && p.Outcome.Status == ConversionStatus.Converted);
    }

    [Fact]
    public async Task Post_CloudEventStructured_ConvertsAndAnswers204()
    {
        var info = await Server.PutAsync("eventarc/structured.docx", Document.FullPath);
        using var client = Server.CreateClient();

        using var request = PushRequests.CloudEventStructured(TestServer.InputBucket, "eventarc/structured.docx", info.Generation, info.Size, "ce-structured-1");
        var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await Server.Store.GetInfoAsync(TestServer.OutputBucket, "eventarc/structured.pdf")).Should().NotBeNull();
        Server.Processed.Should().Contain(p => p.Event.MessageId == "ce-structured-1" && p.Outcome.Status == ConversionStatus.Converted);
    }

    [Fact]
    public async Task Post_SameEventTwice_SecondIsDuplicateAnd204()
    {
        var info = await Server.PutAsync("dup/twice.docx", Document.FullPath);
        using var client = Server.CreateClient();

        using var first = PushRequests.Wrapped(TestServer.InputBucket, "dup/twice.docx", info.Generation, info.Size, messageId: "dup-1");
        (await client.SendAsync(first)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        using var second = PushRequests.Wrapped(TestServer.InputBucket, "dup/twice.docx", info.Generation, info.Size, messageId: "dup-1");
        var response = await client.SendAsync(second);

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        Server.Processed.Where(p => p.Event.MessageId == "dup-1").Select(p => p.Outcome.Status)
            .Should().Equal(ConversionStatus.Converted, ConversionStatus.Duplicate);
    }

    [Fact]
    public async Task Post_DeleteEvent_IgnoredAnd204()
    {
        using var client = Server.CreateClient();

        using var request = PushRequests.Wrapped(TestServer.InputBucket, "gone.docx", 7, 10, eventType: "OBJECT_DELETE", messageId: "delete-1");
        var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        Server.Processed.Should().Contain(p => p.Event.MessageId == "delete-1" && p.Outcome.Status == ConversionStatus.Ignored);
    }

    [Fact]
    public async Task Post_BrokenDocument_204AndFailureRecord()
    {
        var broken = Corpus.Documents.First(d => d.Kind.StartsWith("malformed", StringComparison.Ordinal));
        var info = await Server.PutAsync("broken/bad.docx", broken.FullPath);
        using var client = Server.CreateClient();

        using var request = PushRequests.Wrapped(TestServer.InputBucket, "broken/bad.docx", info.Generation, info.Size, messageId: "broken-1");
        var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.NoContent, "a permanent failure is acknowledged: the record explains it");
        (await Server.Store.GetInfoAsync(TestServer.OutputBucket, "docx2pdf-failures/broken/bad.docx.json")).Should().NotBeNull();
        (await Server.Store.GetInfoAsync(TestServer.OutputBucket, "broken/bad.pdf")).Should().BeNull();
        Server.Processed.Should().Contain(p => p.Event.MessageId == "broken-1" && p.Outcome.Status == ConversionStatus.FailedPermanently);
    }

    [Fact]
    public async Task Post_BodyOverTheLimit_413()
    {
        using var client = Server.CreateClient();
        var body = new string('x', 2 * 1024 * 1024);

        var response = await client.PostAsync(new Uri("/", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        (await response.Content.ReadAsStringAsync()).Should().Contain("Docx2Pdf:PubSubPush:MaxRequestBodySize");
    }
}
