using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Docx2Pdf.Testing.Storage;

namespace Docx2Pdf.Core.Tests.Storage;

/// <summary>The parts of <see cref="GcsTestServer"/> that Google.Cloud.Storage.V1 does not exercise (multipart and media uploads, status queries).</summary>
[Trait("Layer", "Integration")]
public sealed class GcsTestServerTests : IAsyncLifetime
{
    private GcsTestServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await GcsTestServer.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_server.Port}/") };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task MultipartUpload_WithMetadataAndPrecondition_StoresObjectOnceThen412()
    {
        using var first = await PostMultipartAsync("a/b.pdf", "one", ifGenerationMatch: 0);
        using var second = await PostMultipartAsync("a/b.pdf", "two", ifGenerationMatch: 0);

        first.StatusCode.Should().Be(HttpStatusCode.OK, await first.Content.ReadAsStringAsync());
        var resource = JsonNode.Parse(await first.Content.ReadAsStringAsync())!;
        resource["name"]!.GetValue<string>().Should().Be("a/b.pdf");
        resource["size"]!.GetValue<string>().Should().Be("3");
        second.StatusCode.Should().Be(HttpStatusCode.PreconditionFailed);
        var stored = _server.GetObject("bkt", "a/b.pdf")!.Value;
        Encoding.UTF8.GetString(stored.Data).Should().Be("one");
        stored.Metadata.Should().Equal(new Dictionary<string, string> { ["source"] = "test" });
        stored.ContentType.Should().Be("application/pdf");
    }

    [Fact]
    public async Task MediaUpload_ThenMediaDownloadOfOtherGeneration_Returns404()
    {
        using var upload = await _http.PostAsync("upload/storage/v1/b/bkt/o?uploadType=media&name=x%2Fy.txt", new StringContent("hello"));
        var generation = JsonNode.Parse(await upload.Content.ReadAsStringAsync())!["generation"]!.GetValue<string>();

        using var live = await _http.GetAsync($"storage/v1/b/bkt/o/x%2Fy.txt?alt=media&generation={generation}");
        using var other = await _http.GetAsync("storage/v1/b/bkt/o/x%2Fy.txt?alt=media&generation=1");

        (await live.Content.ReadAsStringAsync()).Should().Be("hello");
        other.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ResumableUpload_StatusQuery_Answers308WithReceivedRange()
    {
        using var start = await _http.PostAsync("upload/storage/v1/b/bkt/o?uploadType=resumable", new StringContent("""{"name":"r.bin"}""", Encoding.UTF8, "application/json"));
        var session = start.Headers.Location!;
        using var chunk = new ByteArrayContent(new byte[262144]);
        chunk.Headers.ContentRange = new ContentRangeHeaderValue(0, 262143);
        using var put = await _http.PutAsync(session, chunk);
        using var query = new ByteArrayContent([]);
        query.Headers.TryAddWithoutValidation("Content-Range", "bytes */*");

        using var status = await _http.PutAsync(session, query);

        ((int)put.StatusCode).Should().Be(308);
        ((int)status.StatusCode).Should().Be(308);
        status.Headers.GetValues("Range").Should().Equal("bytes=0-262143");
        _server.GetObject("bkt", "r.bin").Should().BeNull();
    }

    [Fact]
    public async Task FailNext_ForOneMethod_FailsOnlyThatMethodThenRecovers()
    {
        _server.FailNext(1, 503, "DELETE");

        using var get = await _http.GetAsync("storage/v1/b/bkt/o/missing");
        using var delete1 = await _http.DeleteAsync("storage/v1/b/bkt/o/missing");
        using var delete2 = await _http.DeleteAsync("storage/v1/b/bkt/o/missing");

        get.StatusCode.Should().Be(HttpStatusCode.NotFound);
        delete1.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        delete2.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    private async Task<HttpResponseMessage> PostMultipartAsync(string name, string text, long ifGenerationMatch)
    {
        using var body = new MultipartContent("related");
        body.Add(new StringContent(new JsonObject { ["name"] = name, ["metadata"] = new JsonObject { ["source"] = "test" } }.ToJsonString(), Encoding.UTF8, "application/json"));
        var media = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        media.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        body.Add(media);
        return await _http.PostAsync($"upload/storage/v1/b/bkt/o?uploadType=multipart&ifGenerationMatch={ifGenerationMatch}", body);
    }
}
