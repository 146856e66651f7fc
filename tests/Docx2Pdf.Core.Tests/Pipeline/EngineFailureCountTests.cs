using Docx2Pdf.Conversion;
using Docx2Pdf.Core.Tests.Conversion;
using Docx2Pdf.Pipeline;
using Docx2Pdf.Storage;

namespace Docx2Pdf.Core.Tests.Pipeline;

// Issue 9 build 7 against real LibreOffice: a document that always times out is recorded after MaxEngineFailures (2)
// attempts even when the host is restarted between them, and the restarted host still converts a healthy document.
[Trait("Layer", "Integration")]
public sealed class EngineFailureCountTests : IDisposable
{
    private const string In = PipelineHarness.InputBucket;
    private const string Out = PipelineHarness.OutputBucket;

    private readonly string _root = TestFolders.Create("engine-count");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task DocumentThatAlwaysTimesOut_RecordedAfterTwoAttempts_AcrossAHostRestart()
    {
        var store = new FileSystemObjectStore(new FileSystemObjectStoreOptions { RootPath = Path.Combine(_root, "store") });
        ObjectInfo slow;
        ConversionOutcome first;
        await using (var host1 = NewConverter(TimeSpan.FromMilliseconds(300)))
        {
            using var h1 = PipelineHarness.Create(host1, store: store);
            slow = await h1.PutAsync(In, "slow/always-times-out.docx", new MemoryStream(TestDocuments.Huge()));
            first = await h1.Pipeline.ProcessAsync(h1.Notification(slow, deliveryAttempt: 1));
        }

        // A new host: a new LibreOffice pool and a new pipeline, over the same buckets.
        var options2 = Options(TimeSpan.FromMilliseconds(300));
        await using var host2 = new LibreOfficeConverter(options2);
        using var h2 = PipelineHarness.Create(host2, store: store);
        var second = await h2.Pipeline.ProcessAsync(h2.Notification(slow, deliveryAttempt: 2));

        first.Status.Should().Be(ConversionStatus.FailedTransiently, first.Detail);
        first.FailureKind.Should().Be(FailureKind.ConversionTimeout);
        second.Status.Should().Be(ConversionStatus.FailedPermanently, second.Detail);
        second.FailureKind.Should().Be(FailureKind.ConversionTimeout);
        (await h2.ReadFailureRecordAsync(slow.Name))!.FailureKind.Should().Be("conversion_timeout");
        (await h2.InfoAsync(Out, "slow/always-times-out.pdf")).Should().BeNull();

        // The replaced instance of the restarted host still serves others (the same options object backs the converter:
        // room to finish on a busy machine).
        options2.ConversionTimeout = TimeSpan.FromMinutes(10);
        var good = await h2.PutAsync(In, "slow/healthy-after.docx", new MemoryStream(TestDocuments.Simple("after the slow one")));
        (await h2.Pipeline.ProcessAsync(h2.Notification(good, deliveryAttempt: 1))).Status.Should().Be(ConversionStatus.Converted);
    }

    private LibreOfficeConverter NewConverter(TimeSpan timeout) => new(Options(timeout));

    private LibreOfficeOptions Options(TimeSpan timeout) =>
        new() { PoolSize = 1, WorkFolder = Path.Combine(_root, "lo"), ConversionTimeout = timeout };
}
