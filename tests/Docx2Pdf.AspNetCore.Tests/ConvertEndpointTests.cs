using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Docx2Pdf.AspNetCore.Conversion;
using Docx2Pdf.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Docx2Pdf.AspNetCore.Tests;

public sealed class ConvertServerFixture : IAsyncLifetime
{
    public const long Limit = 2 * 1024 * 1024;

    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Server = await TestServer.StartAsync(services => services.Configure<ConvertEndpointOptions>(o => o.MaxRequestBodySize = Limit));

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[Trait("Layer", "Integration")]
public sealed class ConvertEndpointTests(ConvertServerFixture fixture) : IClassFixture<ConvertServerFixture>
{
    private const string DocxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

    private TestServer Server => fixture.Server;

    [Fact]
    public async Task Post_CorpusDocumentRaw_ReturnsPdf()
    {
        using var client = Server.CreateClient();
        using var content = new StreamContent(File.OpenRead(Corpus.Get("python-docx/test.docx").FullPath));
        content.Headers.ContentType = new MediaTypeHeaderValue(DocxType);

        using var response = await client.PostAsync(new Uri("/convert", UriKind.Relative), content);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/pdf");
        var pdf = await response.Content.ReadAsByteArrayAsync();
        Encoding.ASCII.GetString(pdf, 0, 5).Should().Be("%PDF-");
        response.Content.Headers.ContentLength.Should().Be(pdf.Length);
    }

    [Fact]
    public async Task Post_CorpusDocumentMultipart_ReturnsPdfNamedAfterTheFile()
    {
        using var client = Server.CreateClient();
        using var form = new MultipartFormDataContent();
        var file = new StreamContent(File.OpenRead(Corpus.Get("python-docx/test.docx").FullPath));
        file.Headers.ContentType = new MediaTypeHeaderValue(DocxType);
        form.Add(new StringContent("ignored"), "comment");
        form.Add(file, "file", "Quarterly report.docx");

        using var response = await client.PostAsync(new Uri("/convert", UriKind.Relative), form);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/pdf");
        response.Content.Headers.ContentDisposition!.FileNameStar.Should().Be("Quarterly report.pdf");
        Encoding.ASCII.GetString(await response.Content.ReadAsByteArrayAsync(), 0, 5).Should().Be("%PDF-");
    }

    [Fact]
    public async Task Post_TooLarge_413()
    {
        using var client = Server.CreateClient();
        using var content = new ByteArrayContent(new byte[ConvertServerFixture.Limit + 1024]);
        content.Headers.ContentType = new MediaTypeHeaderValue(DocxType);

        using var response = await client.PostAsync(new Uri("/convert", UriKind.Relative), content);

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        (await ProblemAsync(response))["detail"]!.GetValue<string>().Should().Contain("Docx2Pdf:ConvertEndpoint:MaxRequestBodySize");
    }

    [Fact]
    public async Task Post_TooLargeWithoutContentLength_413()
    {
        using var client = Server.CreateClient();
        // Unknown length, so the client sends it chunked (no Content-Length).
        using var content = new StreamContent(new NonSeekableStream(new MemoryStream(new byte[ConvertServerFixture.Limit + 1024])));
        content.Headers.ContentType = new MediaTypeHeaderValue(DocxType);

        using var response = await client.PostAsync(new Uri("/convert", UriKind.Relative), content);

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Post_TextPlain_415()
    {
        using var client = Server.CreateClient();

        using var response = await client.PostAsync(new Uri("/convert", UriKind.Relative), new StringContent("hello", Encoding.UTF8, "text/plain"));

        response.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        (await ProblemAsync(response))["type"]!.GetValue<string>().Should().Be("urn:docx2pdf:problem:unsupported-media-type");
    }

    [Fact]
    public async Task Post_NotADocumentDeclaredAsDocx_422()
    {
        using var client = Server.CreateClient();
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("This is plain text pretending to be a Word document."));
        content.Headers.ContentType = new MediaTypeHeaderValue(DocxType);

        using var response = await client.PostAsync(new Uri("/convert", UriKind.Relative), content);

        response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        var problem = await ProblemAsync(response);
        problem["failureKind"]!.GetValue<string>().Should().Be("invalid_document");
        problem.ToJsonString().Should().NotContain(Path.GetTempPath()).And.NotContain("   at ");
    }

    [Fact]
    public async Task Post_MalformedCorpusDocument_422()
    {
        var broken = Corpus.Documents.First(d => d.Kind.StartsWith("malformed", StringComparison.Ordinal));
        using var client = Server.CreateClient();
        using var content = new StreamContent(File.OpenRead(broken.FullPath));
        content.Headers.ContentType = new MediaTypeHeaderValue(DocxType);

        using var response = await client.PostAsync(new Uri("/convert", UriKind.Relative), content);

        response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Post_EmptyBody_400()
    {
        using var client = Server.CreateClient();
        using var content = new ByteArrayContent([]);
        content.Headers.ContentType = new MediaTypeHeaderValue(DocxType);

        using var response = await client.PostAsync(new Uri("/convert", UriKind.Relative), content);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public void FromFailure_EachKind_HasTheDocumentedStatus()
    {
        ConvertHandler.FromFailure(FailureKind.UnsupportedFormat).Status.Should().Be(415);
        ConvertHandler.FromFailure(FailureKind.DocumentTooLarge).Status.Should().Be(413);
        ConvertHandler.FromFailure(FailureKind.InvalidDocument).Status.Should().Be(422);
        ConvertHandler.FromFailure(FailureKind.PasswordProtected).Status.Should().Be(422);
        ConvertHandler.FromFailure(FailureKind.ConversionFailed).Status.Should().Be(422);
        ConvertHandler.FromFailure(FailureKind.ConverterBusy).Status.Should().Be(429);
        ConvertHandler.FromFailure(FailureKind.ConverterBusy).RetryAfter.Should().NotBeNull();
        ConvertHandler.FromFailure(FailureKind.EngineCrashed).Status.Should().Be(503);
        ConvertHandler.FromFailure(FailureKind.ConversionTimeout).Status.Should().Be(503);
    }

    private static async Task<JsonNode> ProblemAsync(HttpResponseMessage response)
    {
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }
}
