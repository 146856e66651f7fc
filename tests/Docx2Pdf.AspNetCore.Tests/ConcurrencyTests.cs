using System.Net;
using Docx2Pdf.Pipeline;
using Docx2Pdf.Testing;

namespace Docx2Pdf.AspNetCore.Tests;

[Trait("Layer", "Integration")]
public sealed class ConcurrencyTests
{
    private const int PoolSize = 1;
    private const int QueueLength = 1;

    // Pool size x 4 pushes at once against a pool of 1 with a queue of 1: the overflow is turned away with 429 at once
    // (back-pressure, nothing lost), and each 429-ed message, delivered again as Pub/Sub would (same body, same message id),
    // is converted. Every document ends as exactly one PDF.
    [Fact]
    public async Task Push_PoolSizeTimesFourAtOnce_Overflow429ThenConvertedOnRedelivery()
    {
        await using var server = await TestServer.StartAsync(services => TestConverter.Configure(services, PoolSize, QueueLength));
        var document = Corpus.Get("python-docx/test.docx");
        var messages = new List<(string Id, string Name, long Generation, long Size)>();
        for (var i = 0; i < PoolSize * 4; i++)
        {
            var name = $"burst/doc-{i}.docx";
            var info = await server.PutAsync(name, document.FullPath);
            messages.Add(($"burst-{i}", name, info.Generation, info.Size));
        }

        using var client = server.CreateClient();
        var first = await Task.WhenAll(messages.Select(m => SendAsync(client, m)));

        first.Should().OnlyContain(s => s == HttpStatusCode.NoContent || s == HttpStatusCode.TooManyRequests);
        first.Should().Contain(HttpStatusCode.TooManyRequests, "4 pushes at once exceed a pool of 1 with a queue of 1");
        first.Count(s => s == HttpStatusCode.NoContent).Should().BeGreaterThanOrEqualTo(1);

        var pending = messages.Where((_, i) => first[i] != HttpStatusCode.NoContent).ToList();
        for (var round = 0; pending.Count > 0 && round < 20; round++)
        {
            var again = await Task.WhenAll(pending.Select(m => SendAsync(client, m)));
            pending = pending.Where((_, i) => again[i] != HttpStatusCode.NoContent).ToList();
        }

        pending.Should().BeEmpty();
        foreach (var m in messages)
        {
            (await server.Store.GetInfoAsync(TestServer.OutputBucket, m.Name.Replace(".docx", ".pdf", StringComparison.Ordinal))).Should().NotBeNull(m.Name);
            server.Processed.Count(p => p.Event.MessageId == m.Id && p.Outcome.Status == ConversionStatus.Converted).Should().Be(1, m.Id);
        }

        server.Processed.Where(p => p.Outcome.Status == ConversionStatus.FailedTransiently)
            .Should().OnlyContain(p => p.Outcome.FailureKind == FailureKind.ConverterBusy);
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, (string Id, string Name, long Generation, long Size) m)
    {
        using var request = PushRequests.Wrapped(TestServer.InputBucket, m.Name, m.Generation, m.Size, messageId: m.Id);
        using var response = await client.SendAsync(request);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            response.Headers.RetryAfter.Should().NotBeNull("429 tells the sender when to come back");
        }

        return response.StatusCode;
    }
}
