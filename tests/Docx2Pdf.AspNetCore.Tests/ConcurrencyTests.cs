using System.Net;
using Docx2Pdf.Conversion;
using Docx2Pdf.Pipeline;
using Docx2Pdf.Testing;
using Docx2Pdf.Testing.Doubles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Docx2Pdf.AspNetCore.Tests;

[Trait("Layer", "Integration")]
public sealed class ConcurrencyTests
{
    private const int PoolSize = 1;
    private const int QueueLength = 1;

    // Pool size x 4 pushes at once against room for two (a pool of 1 with a queue of 1): the overflow is turned away with 429
    // at once (back-pressure, nothing lost), and each 429-ed message, delivered again as Pub/Sub would (same body, same
    // message id), is converted. Every document ends as exactly one PDF. The overlap is made, not hoped for: the converter
    // (real LibreOffice behind a gate) holds the two it admits until the two others have been answered.
    [Fact]
    public async Task Push_PoolSizeTimesFourAtOnce_Overflow429ThenConvertedOnRedelivery()
    {
        GatedConverter gate = null!;
        await using var server = await TestServer.StartAsync(services =>
        {
            TestConverter.Configure(services, PoolSize, QueueLength);
            services.Replace(ServiceDescriptor.Singleton<IDocumentConverter>(sp =>
                gate = new GatedConverter(sp.GetRequiredService<LibreOfficeConverter>()) { Capacity = PoolSize + QueueLength }));
        });
        var document = Corpus.Get("python-docx/test.docx");
        var messages = new List<(string Id, string Name, long Generation, long Size)>();
        for (var i = 0; i < PoolSize * 4; i++)
        {
            var name = $"burst/doc-{i}.docx";
            var info = await server.PutAsync(name, document.FullPath);
            messages.Add(($"burst-{i}", name, info.Generation, info.Size));
        }

        using var client = server.CreateClient();
        server.App.Services.GetRequiredService<IDocumentConverter>();
        gate.Close();
        var sends = messages.Select(m => SendAsync(client, m)).ToList();
        await Eventually.UntilAsync(() => sends.Count(s => s.IsCompleted) == PoolSize * 4 - (PoolSize + QueueLength), TimeSpan.FromMinutes(2), "the overflow answered");

        sends.Where(s => s.IsCompleted).Select(s => s.Result).Should().OnlyContain(s => s == HttpStatusCode.TooManyRequests, "the two that did not fit are turned away at once (converter: {0} started, {1} in progress; outcomes: {2})", gate.Started, gate.InProgress, string.Join(", ", server.Processed.Select(p => $"{p.Outcome.Status}/{p.Outcome.FailureKind}/{p.Outcome.Detail}")));
        gate.InProgress.Should().Be(PoolSize + QueueLength, "the two that fit are still held");
        gate.Open();
        var first = await Task.WhenAll(sends);
        first.Count(s => s == HttpStatusCode.NoContent).Should().Be(PoolSize + QueueLength);
        first.Count(s => s == HttpStatusCode.TooManyRequests).Should().Be(PoolSize * 4 - (PoolSize + QueueLength));

        var redelivered = messages.Where((_, i) => first[i] == HttpStatusCode.TooManyRequests).ToList();
        var again = await Task.WhenAll(redelivered.Select(m => SendAsync(client, m)));

        again.Should().OnlyContain(s => s == HttpStatusCode.NoContent);
        foreach (var m in messages)
        {
            (await server.Store.GetInfoAsync(TestServer.OutputBucket, m.Name.Replace(".docx", ".pdf", StringComparison.Ordinal))).Should().NotBeNull(m.Name);
            server.Processed.Count(p => p.Event.MessageId == m.Id && p.Outcome.Status == ConversionStatus.Converted).Should().Be(1, m.Id);
        }

        server.Processed.Where(p => p.Outcome.Status == ConversionStatus.FailedTransiently)
            .Should().HaveCount(redelivered.Count).And.OnlyContain(p => p.Outcome.FailureKind == FailureKind.ConverterBusy);
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
