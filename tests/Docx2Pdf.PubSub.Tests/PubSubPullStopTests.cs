using Docx2Pdf.Pipeline;

namespace Docx2Pdf.PubSub.Tests;

// Stopping, restarting and sharing a subscription: every document converted, none twice.
[Trait("Layer", "Integration")]
public sealed class PubSubPullStopTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Stop_MidBatchThenRestart_EveryDocumentConvertedNoneTwice()
    {
        await using var env = await PullTestEnvironment.StartAsync(ackDeadlineSeconds: 30);
        var names = Enumerable.Range(1, 6).Select(i => $"stop/doc-{i}.docx").ToList();
        foreach (var name in names)
        {
            await env.AddDocumentAsync(name);
        }

        // First host: its converter's gate never opens, and the host gets 2 s to stop. It holds 3 messages (pool 1 + 2):
        // one converting (cancelled at the shutdown timeout), two waiting (handed back at once).
        var first = await env.StartHostAsync(poolSize: 1, holdConversions: true, shutdownTimeout: TimeSpan.FromSeconds(2));
        await PullTestEnvironment.WaitUntilAsync(() => first.Converter.Started == 1 && first.Subscriber.HeldCount == 3, Patience, "one conversion running, two waiting", first);
        await first.StopAsync();

        first.Logged(2030).Should().BeTrue("the messages that had not started were handed back");
        first.Logged(2031).Should().BeTrue("the conversion still running at the shutdown timeout was cancelled and handed back");
        first.Subscriber.HeldCount.Should().Be(0);
        env.Store.UploadsIn(PullTestEnvironment.OutputBucket).Should().BeEmpty("the first host converted nothing within its 2 s");

        // Handed back, not left to expire: the second host gets them well before the 30 s ack deadline.
        var second = await env.StartHostAsync(poolSize: 1);
        await PullTestEnvironment.WaitUntilAsync(
            () => names.All(n => env.Store.UploadsOf(PullTestEnvironment.OutputBucket, PullTestEnvironment.PdfName(n)) > 0),
            Patience,
            "every PDF from the second host",
            second);
        await second.StopAsync();

        foreach (var name in names)
        {
            env.Store.UploadsOf(PullTestEnvironment.OutputBucket, PullTestEnvironment.PdfName(name)).Should().Be(1, $"{name} converts exactly once");
        }

        second.Pipeline.Processed.Where(p => p.Outcome.Status == ConversionStatus.Converted).Should().HaveCount(6);
    }

    [Fact]
    public async Task TwoHosts_OneSubscription_EveryDocumentExactlyOnce()
    {
        await using var env = await PullTestEnvironment.StartAsync(ackDeadlineSeconds: 10);
        var names = Enumerable.Range(1, 12).Select(i => $"shared/doc-{i}.docx").ToList();
        foreach (var name in names)
        {
            await env.AddDocumentAsync(name);
        }

        var a = await env.StartHostAsync(poolSize: 1);
        var b = await env.StartHostAsync(poolSize: 1);
        await PullTestEnvironment.WaitUntilAsync(
            () => names.All(n => env.Store.UploadsOf(PullTestEnvironment.OutputBucket, PullTestEnvironment.PdfName(n)) > 0),
            Patience,
            "12 PDFs from two hosts",
            a,
            b);
        await Task.WhenAll(a.StopAsync(), b.StopAsync());

        foreach (var name in names)
        {
            env.Store.UploadsOf(PullTestEnvironment.OutputBucket, PullTestEnvironment.PdfName(name)).Should().Be(1, $"{name} is in the output exactly once");
        }

        env.Store.UploadsIn(PullTestEnvironment.OutputBucket).Should().HaveCount(12);
        a.Pipeline.Processed.Concat(b.Pipeline.Processed).Count(p => p.Outcome.Status == ConversionStatus.Converted).Should().Be(12);
        await env.AssertDrainedAsync(a, b);
    }
}
