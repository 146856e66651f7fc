using Docx2Pdf.Pipeline;
using Docx2Pdf.PubSub.Pull;
using Docx2Pdf.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Docx2Pdf.PubSub.Tests;

// Real emulator, real LibreOffice (pool 1-2), real FileSystemObjectStore, real hosts.
[Trait("Layer", "Integration")]
public sealed class PubSubPullConversionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Pull_ThirtyNotifications_ThirtyPdfsEachWrittenOnceAndSubscriptionDrained()
    {
        await using var env = await PullTestEnvironment.StartAsync(ackDeadlineSeconds: 10);
        var names = Enumerable.Range(1, 30).Select(i => $"batch/doc {i:00}.docx").ToList();
        foreach (var name in names)
        {
            await env.AddDocumentAsync(name);
        }

        var host = await env.StartHostAsync(poolSize: 2);
        await PullTestEnvironment.WaitUntilAsync(
            () => names.All(n => env.Store.UploadsOf(PullTestEnvironment.OutputBucket, PullTestEnvironment.PdfName(n)) > 0),
            Patience,
            "30 PDFs",
            host);
        await host.StopAsync();

        foreach (var name in names)
        {
            env.Store.UploadsOf(PullTestEnvironment.OutputBucket, PullTestEnvironment.PdfName(name)).Should().Be(1, $"{name} converts exactly once");
        }

        host.Converter.Started.Should().Be(30, "no message was delivered twice, so no document was converted twice");
        host.Pipeline.Processed.Select(p => p.Outcome.Status).Should().AllBeEquivalentTo(ConversionStatus.Converted);
        host.Subscriber.MaxHeldObserved.Should().BeLessThanOrEqualTo(host.Subscriber.MaxOutstanding, "flow control never holds more than MaxOutstandingMessages");
        host.Subscriber.MaxOutstanding.Should().Be(4, "the default is the LibreOffice pool size (2) plus 2");
        await env.AssertDrainedAsync(host);
    }

    [Fact]
    public async Task Pull_ConversionLongerThanAckDeadline_LeaseExtendedAndNotRedelivered()
    {
        await using var env = await PullTestEnvironment.StartAsync(ackDeadlineSeconds: 10);
        await env.AddDocumentAsync("slow.docx");

        // AckDeadline 10 s: without lease extensions the message would be redelivered twice while the conversion is held. The
        // 25 s hold is the scenario (real time on the emulator's clock must pass two ack deadlines), not a synchronisation:
        // the conversion is held at the converter's gate, which opens when that time has passed.
        var host = await env.StartHostAsync(poolSize: 1, holdConversions: true, configure: o => o.MaxConcurrentConversions = 2);
        await host.Converter.WaitForStartedAsync(1);
        await Task.Delay(TimeSpan.FromSeconds(25));
        host.Converter.Open();
        await PullTestEnvironment.WaitUntilAsync(() => env.Store.UploadsOf(PullTestEnvironment.OutputBucket, "slow.pdf") > 0, Patience, "the slow PDF", host);
        await host.StopAsync();

        host.Converter.Started.Should().Be(1, "the lease kept the message from being delivered again while it converted");
        env.Store.UploadsOf(PullTestEnvironment.OutputBucket, "slow.pdf").Should().Be(1);
        host.Pipeline.Processed.Should().ContainSingle().Which.Outcome.Status.Should().Be(ConversionStatus.Converted);
        await env.AssertDrainedAsync(host);
    }

    [Fact]
    public async Task Pull_BrokenDocument_FailureRecordWrittenAndMessageAcknowledged()
    {
        await using var env = await PullTestEnvironment.StartAsync(ackDeadlineSeconds: 10);
        await env.AddDocumentAsync("broken.docx", "poi/truncated62886.docx");

        var host = await env.StartHostAsync();
        await PullTestEnvironment.WaitUntilAsync(() => !host.Pipeline.Processed.IsEmpty, Patience, "the broken document processed", host);
        await PullTestEnvironment.WaitUntilAsync(() => host.Logged(2011), TimeSpan.FromSeconds(30), "the acknowledgement");
        await host.StopAsync();

        var (_, outcome) = host.Pipeline.Processed.Should().ContainSingle().Subject;
        outcome.Status.Should().Be(ConversionStatus.FailedPermanently);
        env.Store.Uploads.Should().ContainSingle(u => u.Bucket == PullTestEnvironment.OutputBucket && u.Metadata.Values.Contains(OutputMetadata.FailureRecordMarker), "a failure record explains why there is no PDF");
        env.Store.UploadsOf(PullTestEnvironment.OutputBucket, "broken.pdf").Should().Be(0);
        await env.AssertDrainedAsync(host);
    }

    [Fact]
    public async Task Pull_TransientStorageFault_RedeliveredWithNextAttemptAndConverted()
    {
        // A dead-letter policy makes Pub/Sub (and the emulator) send deliveryAttempt.
        await using var env = await PullTestEnvironment.StartAsync(ackDeadlineSeconds: 10, maxDeliveryAttempts: 10);
        await env.AddDocumentAsync("flaky.docx");
        env.Store.FailNextDownloads(1);

        var host = await env.StartHostAsync();
        await PullTestEnvironment.WaitUntilAsync(() => env.Store.UploadsOf(PullTestEnvironment.OutputBucket, "flaky.pdf") > 0, Patience, "the PDF after the fault", host);
        await host.StopAsync();

        var processed = host.Pipeline.Processed.ToList();
        processed.Select(p => p.Outcome.Status).Should().Equal(ConversionStatus.FailedTransiently, ConversionStatus.Converted);
        processed.Select(p => p.Event.DeliveryAttempt).Should().Equal(1, 2);
        host.Logged(502).Should().BeTrue("the transient failure was handed back (nack) with the delivery policy's log line");
        env.Store.Downloads.Should().Be(2);
        env.Store.UploadsOf(PullTestEnvironment.OutputBucket, "flaky.pdf").Should().Be(1);
    }

    [Fact]
    public async Task Pull_InvalidMessage_AcknowledgedAndLoggedWithReason()
    {
        await using var env = await PullTestEnvironment.StartAsync(ackDeadlineSeconds: 10);
        var host = await env.StartHostAsync();

        // Published through the subscriber's own REST client: no bucketId, and data that is not an object resource.
        var client = host.Host.Services.GetRequiredService<PubSubClient>();
        var ids = await client.PublishAsync(
            PubSubEmulator.Topic(PullTestEnvironment.TopicName),
            [("not a notification"u8.ToArray(), new Dictionary<string, string> { ["eventType"] = "OBJECT_FINALIZE", ["payloadFormat"] = "JSON_API_V1" })],
            CancellationToken.None);
        ids.Should().ContainSingle();
        env.PublishedMessageIds.Enqueue(ids[0]);

        await PullTestEnvironment.WaitUntilAsync(() => host.Logged(500), Patience, "the invalid message logged");
        await host.StopAsync();

        var record = host.Logs.GetSnapshot().Single(r => r.Id.Id == 500);
        record.Level.Should().Be(Microsoft.Extensions.Logging.LogLevel.Error, "the same level as the push endpoint (issue 9: logged at Error)");
        record.Message.Should().Contain("acknowledged").And.Contain(env.Subscription).And.Contain(ids[0]);
        host.Pipeline.Processed.Should().BeEmpty("a message that does not parse never reaches the pipeline");
        await env.AssertDrainedAsync(host);
    }

    [Fact]
    public async Task Pull_SubscriptionMissing_UnhealthyAndLogNamesSubscription()
    {
        await using var env = await PullTestEnvironment.StartAsync();
        var host = await env.StartHostAsync(o => o.Subscription = "projects/docx2pdf-test/subscriptions/no-such-subscription");

        await PullTestEnvironment.WaitUntilAsync(() => host.Logged(2003), TimeSpan.FromSeconds(60), "the refused pull logged");
        var report = await host.CheckHealthAsync();

        report.Status.Should().Be(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy);
        report.Entries["docx2pdf-pubsub-pull"].Description.Should().Contain("no-such-subscription").And.Contain("does not exist");
        host.Logs.GetSnapshot().First(r => r.Id.Id == 2003).Message.Should().Contain("projects/docx2pdf-test/subscriptions/no-such-subscription").And.Contain("404");
        host.Host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested.Should().BeFalse("a refused pull never stops the host");
        await host.StopAsync();
    }

    [Fact]
    public async Task Pull_EmulatorStoppedWhileRunning_HostStaysUpAndResumes()
    {
        await using var env = await PullTestEnvironment.StartAsync(ackDeadlineSeconds: 10);
        var host = await env.StartHostAsync();
        await env.AddDocumentAsync("before.docx");
        await PullTestEnvironment.WaitUntilAsync(() => env.Store.UploadsOf(PullTestEnvironment.OutputBucket, "before.pdf") > 0, Patience, "the PDF before the outage", host);

        env.Emulator.Stop();
        await PullTestEnvironment.WaitUntilAsync(() => host.Logged(2002), TimeSpan.FromSeconds(90), "a failed pull logged");
        (await host.CheckHealthAsync()).Status.Should().Be(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded);

        // The emulator keeps no state across a restart: topic and subscription are created again.
        await env.Emulator.StartAgainAsync();
        await env.CreateSubscriptionAsync();
        await env.AddDocumentAsync("after.docx");
        await PullTestEnvironment.WaitUntilAsync(() => env.Store.UploadsOf(PullTestEnvironment.OutputBucket, "after.pdf") > 0, Patience, "the PDF after the outage", host);

        host.Logged(2004).Should().BeTrue("the recovery is logged");
        host.Host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested.Should().BeFalse("the outage never stopped the host");
        await PullTestEnvironment.WaitUntilAsync(() => host.CheckHealthAsync().Result.Status == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, TimeSpan.FromSeconds(30), "healthy again");
        var ready = (await host.CheckHealthAsync()).Entries["docx2pdf-ready"];
        ready.Status.Should().Be(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, "a pull worker gets Core's readiness too");
        ready.Data["readyInstances"].Should().BeOfType<int>().Which.Should().BePositive();
        await host.StopAsync();
        env.Store.UploadsOf(PullTestEnvironment.OutputBucket, "after.pdf").Should().Be(1);
    }
}
