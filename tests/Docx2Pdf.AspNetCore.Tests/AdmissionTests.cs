using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Docx2Pdf.AspNetCore.Conversion;
using Docx2Pdf.Conversion;
using Docx2Pdf.Pipeline;
using Docx2Pdf.Storage;
using Docx2Pdf.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Docx2Pdf.AspNetCore.Tests;

// Issue 9 finding 7: /convert spooled the whole body and the pipeline downloaded the whole object before a converter
// place was taken, so N parallel large requests exhausted memory and /tmp before any 429. Now a place (pool + queue) is
// taken first. The overlap is made with a gate in front of the real converter, never by hoping a document is slow.
[Trait("Layer", "Integration")]
public sealed class AdmissionTests
{
    private const string DocxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

    [Fact]
    public async Task Convert_EveryPlaceTaken_429WithRetryAfterBeforeTheBodyIsRead()
    {
        var gate = new ConverterGate();
        await using var server = await StartAsync(gate, services => services.Configure<ConvertEndpointOptions>(o => o.MaxRequestBodySize = 200L * 1024 * 1024));
        using var client = server.CreateClient();
        using var content = new StreamContent(File.OpenRead(Corpus.Get("python-docx/test.docx").FullPath));
        content.Headers.ContentType = new MediaTypeHeaderValue(DocxType);
        var first = client.PostAsync(new Uri("/convert", UriKind.Relative), content);
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(60));

        // A 100 MiB upload announced by its headers, not one byte of which is ever sent: only an answer that does not
        // wait for the body can arrive.
        var head = await RawPostHeadersOnlyAsync(server.BaseAddress, "/convert", DocxType, contentLength: 100L * 1024 * 1024);

        head.Should().StartWith("HTTP/1.1 429");
        head.Should().ContainEquivalentOf("Retry-After: 5");
        head.Should().ContainEquivalentOf("Connection: close");
        gate.Release();
        using var firstResponse = await first;
        firstResponse.StatusCode.Should().Be(HttpStatusCode.OK, "the admitted request converts once the gate opens");
    }

    [Fact]
    public async Task Push_EveryPlaceTaken_429AndTheDocumentIsNotDownloaded()
    {
        var gate = new ConverterGate();
        CountingStore? store = null;
        await using var server = await StartAsync(gate, services =>
        {
            var real = services.Last(d => d.ServiceType == typeof(IObjectStore));
            services.Replace(ServiceDescriptor.Singleton<IObjectStore>(sp =>
                store = new CountingStore((IObjectStore)(real.ImplementationFactory?.Invoke(sp) ?? real.ImplementationInstance!))));
        });
        var document = Corpus.Get("python-docx/test.docx").FullPath;
        var a = await server.PutAsync("admission/a.docx", document);
        var b = await server.PutAsync("admission/b.docx", document);
        using var client = server.CreateClient();

        using var pushA = PushRequests.Wrapped(TestServer.InputBucket, a.Name, a.Generation, a.Size, messageId: "admission-a");
        var first = client.SendAsync(pushA);
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(60));
        using var pushB = PushRequests.Wrapped(TestServer.InputBucket, b.Name, b.Generation, b.Size, messageId: "admission-b");
        using var busy = await client.SendAsync(pushB);

        busy.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        busy.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(5));
        store!.DownloadsOf(b.Name).Should().Be(0, "a document that finds every place taken is not downloaded");
        server.Processed.Should().ContainSingle(p => p.Event.MessageId == "admission-b")
            .Which.Outcome.FailureKind.Should().Be(FailureKind.ConverterBusy);

        gate.Release();
        (await first).StatusCode.Should().Be(HttpStatusCode.NoContent);
        using var pushBAgain = PushRequests.Wrapped(TestServer.InputBucket, b.Name, b.Generation, b.Size, messageId: "admission-b");
        (await client.SendAsync(pushBAgain)).StatusCode.Should().Be(HttpStatusCode.NoContent, "redelivered once a place is free, it converts");
        store.DownloadsOf(b.Name).Should().Be(1);
        server.Processed.Should().Contain(p => p.Event.MessageId == "admission-b" && p.Outcome.Status == ConversionStatus.Converted);
    }

    // Pool of 1, no wait queue: one place.
    private static Task<TestServer> StartAsync(ConverterGate gate, Action<IServiceCollection> services) =>
        TestServer.StartAsync(s =>
        {
            TestConverter.Configure(s, poolSize: 1, queueLength: 0);
            s.AddSingleton<IDocumentConverter>(sp => new GatedConverter(sp.GetRequiredService<LibreOfficeConverter>(), gate));
            services(s);
        });

    /// <summary>Sends only the request line and headers of a POST, then reads what the server answers.</summary>
    private static async Task<string> RawPostHeadersOnlyAsync(Uri server, string path, string contentType, long contentLength)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        var stream = tcp.GetStream();
        var request = $"POST {path} HTTP/1.1\r\nHost: {server.Authority}\r\nContent-Type: {contentType}\r\nContent-Length: {contentLength}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var head = new StringBuilder();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await reader.ReadLineAsync(bound.Token) is { Length: > 0 } line)
        {
            head.Append(line).Append('\n');
        }

        return head.ToString();
    }

    private sealed class ConverterGate
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => _entered.Task;

        public void Release() => _release.TrySetResult();

        /// <summary>Holds the first conversion until <see cref="Release"/>; later ones pass at once.</summary>
        public async Task PassAsync(CancellationToken cancellationToken)
        {
            if (_entered.TrySetResult())
            {
                await _release.Task.WaitAsync(cancellationToken);
            }
        }
    }

    /// <summary>The real converter behind a gate that holds the first conversion until the test opens it.</summary>
    private sealed class GatedConverter(IDocumentConverter inner, ConverterGate gate) : IDocumentConverter
    {
        public async Task<ConversionResult> ConvertAsync(Stream input, Stream output, PdfConversionOptions? options = null, CancellationToken cancellationToken = default)
        {
            await gate.PassAsync(cancellationToken);
            return await inner.ConvertAsync(input, output, options, cancellationToken);
        }

        public async Task<ConversionResult> ConvertAsync(string inputPath, string outputPath, PdfConversionOptions? options = null, CancellationToken cancellationToken = default)
        {
            await gate.PassAsync(cancellationToken);
            return await inner.ConvertAsync(inputPath, outputPath, options, cancellationToken);
        }
    }

    /// <summary>The real store, counting downloads per object.</summary>
    private sealed class CountingStore(IObjectStore inner) : IObjectStore
    {
        private readonly ConcurrentDictionary<string, int> _downloads = new(StringComparer.Ordinal);

        public int DownloadsOf(string objectName) => _downloads.GetValueOrDefault(objectName);

        public Task<ObjectInfo?> GetInfoAsync(string bucket, string objectName, CancellationToken cancellationToken = default) =>
            inner.GetInfoAsync(bucket, objectName, cancellationToken);

        public Task DownloadAsync(string bucket, string objectName, long generation, Stream destination, CancellationToken cancellationToken = default)
        {
            _downloads.AddOrUpdate(objectName, 1, (_, n) => n + 1);
            return inner.DownloadAsync(bucket, objectName, generation, destination, cancellationToken);
        }

        public Task<ObjectInfo> UploadAsync(string bucket, string objectName, Stream content, ObjectWriteOptions options, CancellationToken cancellationToken = default) =>
            inner.UploadAsync(bucket, objectName, content, options, cancellationToken);

        public Task DeleteAsync(string bucket, string objectName, long? ifGenerationMatch = null, CancellationToken cancellationToken = default) =>
            inner.DeleteAsync(bucket, objectName, ifGenerationMatch, cancellationToken);
    }
}
