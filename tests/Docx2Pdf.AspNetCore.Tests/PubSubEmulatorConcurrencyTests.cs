using Docx2Pdf.Pipeline;
using Docx2Pdf.Conversion;
using Docx2Pdf.Testing;
using Docx2Pdf.Testing.Doubles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Docx2Pdf.AspNetCore.Tests;

// The same overflow as ConcurrencyTests, with Google's Pub/Sub emulator doing the pushing and the redelivering. The converter
// (real LibreOffice behind a gate, room for one) holds the first document until the emulator has been answered 429 at least
// once: the overlap is made, not hoped for.
[Trait("Layer", "Integration")]
public sealed class PubSubEmulatorConcurrencyTests
{
    private const int PoolSize = 1;

    [Fact]
    public async Task Push_PoolSizeTimesFourPublishedAtOnce_NoneLostOverflowRedeliveredByPubSub()
    {
        await using var emulator = await PubSubEmulator.StartAsync();
        GatedConverter gate = null!;
        await using var server = await TestServer.StartAsync(services =>
        {
            TestConverter.Configure(services, PoolSize, queueLength: 0);
            services.Replace(ServiceDescriptor.Singleton<IDocumentConverter>(sp =>
                gate = new GatedConverter(sp.GetRequiredService<LibreOfficeConverter>()) { Capacity = PoolSize }));
        });
        server.App.Services.GetRequiredService<IDocumentConverter>();
        gate.Close();
        await emulator.CreateTopicAsync("burst-topic");
        await emulator.CreateSubscriptionAsync("burst-topic", "burst-sub", ackDeadlineSeconds: 60, pushEndpoint: server.BaseAddress);
        var document = Corpus.Get("python-docx/test.docx");
        var published = new List<(string MessageId, string Pdf)>();
        var infos = new List<(string Name, Docx2Pdf.Storage.ObjectInfo Info)>();
        for (var i = 0; i < PoolSize * 4; i++)
        {
            var name = $"emulator-burst/doc-{i}.docx";
            infos.Add((name, await server.PutAsync(name, document.FullPath)));
        }

        await Task.WhenAll(infos.Select(async x =>
        {
            var id = await emulator.PublishStorageNotificationAsync("burst-topic", TestServer.InputBucket, x.Name, x.Info.Generation, x.Info.Size);
            lock (published)
            {
                published.Add((id, x.Name.Replace(".docx", ".pdf", StringComparison.Ordinal)));
            }
        }));

        await Eventually.UntilAsync(() => server.Requests.Any(r => r.Status == 429), TimeSpan.FromMinutes(2), "a push turned away with 429");
        gate.Open();
        foreach (var (_, pdf) in published)
        {
            (await server.WaitForObjectAsync(TestServer.OutputBucket, pdf, TimeSpan.FromMinutes(3))).Should().NotBeNull(pdf);
        }

        foreach (var (id, _) in published)
        {
            server.Processed.Count(p => p.Event.MessageId == id && p.Outcome.Status == ConversionStatus.Converted).Should().Be(1);
        }

        var busy = server.Processed.Where(p => p.Outcome.FailureKind == FailureKind.ConverterBusy).ToList();
        server.Requests.Count(r => r.Status == 429).Should().Be(busy.Count);
        busy.Should().NotBeEmpty("a pool of 1 without a queue turns the overflow away");
        server.Processed.Where(p => p.Outcome.Status == ConversionStatus.FailedTransiently).Should().OnlyContain(p => p.Outcome.FailureKind == FailureKind.ConverterBusy);
    }
}
