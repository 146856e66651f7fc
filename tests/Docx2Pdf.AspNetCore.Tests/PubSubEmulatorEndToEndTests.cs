using Docx2Pdf.Pipeline;
using Docx2Pdf.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Docx2Pdf.AspNetCore.Tests;

public sealed class EmulatorFixture : IAsyncLifetime
{
    /// <summary>The ack deadline of every push subscription here, and the endpoint's AckDeadline option.</summary>
    public const int AckDeadlineSeconds = 10;

    public PubSubEmulator Emulator { get; private set; } = null!;

    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Emulator = await PubSubEmulator.StartAsync();
        Server = await TestServer.StartAsync(services => services.Configure<Docx2Pdf.AspNetCore.PubSub.PubSubPushOptions>(o =>
        {
            o.AckDeadline = TimeSpan.FromSeconds(AckDeadlineSeconds);
            o.DeadlineSafetyMargin = TimeSpan.FromSeconds(3);
        }));
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}

// Google's Pub/Sub emulator pushes to the real Kestrel server, which runs the real pipeline over a FileSystemObjectStore
// and real LibreOffice. "Acknowledged" is observed on the wire: the test waits for the 2xx answer (Pub/Sub's acknowledgement)
// and counts the deliveries of the message id the emulator assigned, with no fixed watch period. That a non-2xx answer does
// come back is shown by StorageFaultEndToEndTests (the positive control: the emulator redelivers after a 503).
[Trait("Layer", "Integration")]
public sealed class PubSubEmulatorEndToEndTests(EmulatorFixture fixture) : IClassFixture<EmulatorFixture>
{
    private static readonly TimeSpan AnswerWait = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan ConversionWait = TimeSpan.FromSeconds(90);

    private TestServer Server => fixture.Server;

    private PubSubEmulator Emulator => fixture.Emulator;

    [Fact]
    public async Task WrappedPush_CorpusDocument_PdfWrittenAndNotRedelivered()
    {
        var messageId = await PublishAsync("wrapped", "e2e/wrapped report.docx", Corpus.Get("python-docx/test.docx"), noWrapper: false);

        var pdf = await Server.WaitForObjectAsync(TestServer.OutputBucket, "e2e/wrapped report.pdf", ConversionWait);

        pdf.Should().NotBeNull();
        pdf!.Metadata.Should().NotBeEmpty("the pipeline labels each PDF with its source");
        await Server.WaitForAcknowledgementAsync(messageId, AnswerWait);
        Server.DeliveriesOf(messageId).Should().Be(1);
        Outcomes(messageId).Should().Equal(ConversionStatus.Converted);
        (await Emulator.PullNowAsync(Sub("wrapped"))).Should().BeEmpty();
    }

    [Fact]
    public async Task UnwrappedPush_CorpusDocument_PdfWrittenAndNotRedelivered()
    {
        var messageId = await PublishAsync("unwrapped", "e2e/ünwrapped.docx", Corpus.Get("python-docx/test.docx"), noWrapper: true);

        var pdf = await Server.WaitForObjectAsync(TestServer.OutputBucket, "e2e/ünwrapped.pdf", ConversionWait);

        pdf.Should().NotBeNull();
        await Server.WaitForAcknowledgementAsync(messageId, AnswerWait);
        Server.DeliveriesOf(messageId).Should().Be(1);
        Outcomes(messageId).Should().Equal(ConversionStatus.Converted);
    }

    [Fact]
    public async Task Push_BrokenDocument_FailureRecordAcknowledgedAndNotRedelivered()
    {
        var broken = Corpus.Documents.First(d => d.Kind.StartsWith("malformed", StringComparison.Ordinal));
        var messageId = await PublishAsync("broken", "e2e/broken.docx", broken, noWrapper: false);

        var record = await Server.WaitForObjectAsync(TestServer.OutputBucket, "docx2pdf-failures/e2e/broken.docx.json", ConversionWait);

        record.Should().NotBeNull();
        await Server.WaitForAcknowledgementAsync(messageId, AnswerWait);
        Server.DeliveriesOf(messageId).Should().Be(1);
        Outcomes(messageId).Should().Equal(ConversionStatus.FailedPermanently);
        (await Server.Store.GetInfoAsync(TestServer.OutputBucket, "e2e/broken.pdf")).Should().BeNull();
    }

    internal static string Sub(string name) => "push-" + name;

    private List<ConversionStatus> Outcomes(string messageId) =>
        Server.Processed.Where(p => p.Event.MessageId == messageId).Select(p => p.Outcome.Status).ToList();

    private async Task<string> PublishAsync(string name, string objectName, CorpusDocument document, bool noWrapper)
    {
        var info = await Server.PutAsync(objectName, document.FullPath);
        var topic = "topic-" + name;
        await Emulator.CreateTopicAsync(topic);
        await Emulator.CreateSubscriptionAsync(topic, Sub(name), EmulatorFixture.AckDeadlineSeconds, Server.BaseAddress, noWrapper);
        return await Emulator.PublishStorageNotificationAsync(topic, TestServer.InputBucket, objectName, info.Generation, info.Size);
    }
}
