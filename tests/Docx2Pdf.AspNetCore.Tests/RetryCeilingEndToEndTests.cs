using System.Net;
using Docx2Pdf.Conversion;
using Docx2Pdf.Pipeline;
using Docx2Pdf.Storage;
using Docx2Pdf.Testing;
using Docx2Pdf.Testing.Doubles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Docx2Pdf.AspNetCore.Tests;

// Issue 9 finding 5 and build 7: a burst of uploads must not turn healthy documents into failure records. Measured before:
// pool of 1, no queue, six healthy documents pushed at once with deliveryAttempt 5 ended as one PDF and five converter_busy
// records. Here: 100 notifications against a pool of 1 with no queue and MaxDeliveryAttempts 3, redelivered as Pub/Sub
// does with a dead-letter policy (deliveryAttempt + 1 each time), through Kestrel, the real pipeline and real LibreOffice.
// Every one is answered 429 at least four times (the converter is held at a gate while the first round and three more
// rounds are answered: made, not hoped for), past MaxDeliveryAttempts, and every one still converts.
[Trait("Layer", "Integration")]
public sealed class RetryCeilingEndToEndTests
{
    private const int Documents = 100;
    private const int MaxDeliveryAttempts = 3;

    [Fact]
    public async Task Burst_100NotificationsAgainstPoolOfOneWithNoQueue_EveryHealthyDocumentConverts()
    {
        GatedConverter gate = null!;
        await using var server = await TestServer.StartAsync(
            services =>
            {
                TestConverter.Configure(services, poolSize: 1, queueLength: 0);
                services.Replace(ServiceDescriptor.Singleton<IDocumentConverter>(sp => gate = new GatedConverter(sp.GetRequiredService<LibreOfficeConverter>())));
            },
            docx2Pdf: o => o.MaxDeliveryAttempts = MaxDeliveryAttempts);
        server.App.Services.GetRequiredService<IDocumentConverter>();
        var document = Corpus.Get("python-docx/test.docx");
        var messages = new List<Message>();
        for (var i = 0; i < Documents; i++)
        {
            var name = $"burst/doc-{i:000}.docx";
            var info = await server.PutAsync(name, document.FullPath);
            messages.Add(new Message($"burst-{i:000}", name, info.Generation, info.Size));
        }

        using var client = server.CreateClient();
        gate.Close();
        var firstRound = messages.Select(m => DeliverAsync(client, m)).ToList();
        await Eventually.UntilAsync(() => firstRound.Count(t => t.IsCompleted) == Documents - 1, TimeSpan.FromMinutes(2), "all but the admitted one answered");
        var held = messages[firstRound.FindIndex(t => !t.IsCompleted)];
        var waiting = messages.Where(m => m != held).ToList();
        waiting.Select(m => m.Answers.Single()).Should().OnlyContain(s => s == HttpStatusCode.TooManyRequests);

        // Three more rounds while the pool is still held: every waiting message is past MaxDeliveryAttempts.
        for (var round = 0; round < 3; round++)
        {
            await Task.WhenAll(waiting.Select(m => DeliverAsync(client, m)));
        }

        waiting.Should().OnlyContain(m => m.Attempt > MaxDeliveryAttempts && m.Answers.All(a => a == HttpStatusCode.TooManyRequests));
        gate.Open();
        (await firstRound[messages.IndexOf(held)]).Should().Be(HttpStatusCode.NoContent);

        // Redelivered at once, as Pub/Sub does without a retry policy, until acknowledged.
        await Task.WhenAll(waiting.Select(async m =>
        {
            while (await DeliverAsync(client, m) != HttpStatusCode.NoContent)
            {
                m.Answers[^1].Should().Be(HttpStatusCode.TooManyRequests, "the only negative answer is back-pressure");
                await Task.Delay(200); // pacing for the machine, not synchronisation: the answer decides
            }
        }));

        foreach (var m in messages)
        {
            var pdf = await server.Store.GetInfoAsync(TestServer.OutputBucket, m.Name.Replace(".docx", ".pdf", StringComparison.Ordinal));
            pdf.Should().NotBeNull($"{m.Name} is healthy and was delivered {m.Attempt} times");
            (await server.Store.GetInfoAsync(TestServer.OutputBucket, "docx2pdf-failures/" + m.Name + ".json")).Should().BeNull(m.Name);
        }

        server.Processed.Should().NotContain(p => p.Outcome.Status == ConversionStatus.FailedPermanently);
        server.Processed.Where(p => p.Outcome.Status == ConversionStatus.FailedTransiently).Should().OnlyContain(p => p.Outcome.FailureKind == FailureKind.ConverterBusy);
        server.Processed.Count(p => p.Outcome.Status == ConversionStatus.Converted).Should().Be(Documents, "each document converted once");
    }

    [Fact]
    public async Task Push_UsersOwnPdfAtTheOutputName_LeftAloneAndRecordedAsOutputConflict()
    {
        // Issue 9 finding 1 (the overwrite half): the user's own contract.pdf, without the library's marker.
        await using var server = await TestServer.StartAsync();
        var contract = Path.Combine(Path.GetTempPath(), "docx2pdf-contract-" + Guid.NewGuid().ToString("N") + ".pdf");
        await File.WriteAllTextAsync(contract, "%PDF-1.7 the user's signed contract");
        try
        {
            ObjectInfo users;
            await using (var file = File.OpenRead(contract))
            {
                users = await server.Store.UploadAsync(TestServer.OutputBucket, "contract.pdf", file, new ObjectWriteOptions { ContentType = "application/pdf" });
            }

            var source = await server.PutAsync("contract.docx", Corpus.Get("python-docx/test.docx").FullPath);
            using var client = server.CreateClient();
            using var push = PushRequests.Wrapped(TestServer.InputBucket, "contract.docx", source.Generation, source.Size, messageId: "conflict-1");

            var response = await client.SendAsync(push);

            response.StatusCode.Should().Be(HttpStatusCode.NoContent, "a conflict is permanent: acknowledged, recorded");
            (await server.Store.GetInfoAsync(TestServer.OutputBucket, "contract.pdf"))!.Generation.Should().Be(users.Generation);
            server.Processed.Should().ContainSingle().Which.Outcome.FailureKind.Should().Be(FailureKind.OutputConflict);
            (await server.Store.GetInfoAsync(TestServer.OutputBucket, "docx2pdf-failures/contract.docx.json")).Should().NotBeNull();
        }
        finally
        {
            File.Delete(contract);
        }
    }

    private static async Task<HttpStatusCode> DeliverAsync(HttpClient client, Message m)
    {
        var attempt = Interlocked.Increment(ref m.Attempt);
        using var request = PushRequests.Wrapped(TestServer.InputBucket, m.Name, m.Generation, m.Size, messageId: m.Id, deliveryAttempt: attempt);
        using var response = await client.SendAsync(request);
        lock (m.Answers)
        {
            m.Answers.Add(response.StatusCode);
        }

        return response.StatusCode;
    }

    private sealed class Message(string id, string name, long generation, long size)
    {
        public int Attempt;

        public string Id { get; } = id;

        public string Name { get; } = name;

        public long Generation { get; } = generation;

        public long Size { get; } = size;

        public List<HttpStatusCode> Answers { get; } = [];
    }
}
