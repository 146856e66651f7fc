using Docx2Pdf.Pipeline;
using Docx2Pdf.Storage;
using Docx2Pdf.Testing.Doubles;

namespace Docx2Pdf.Core.Tests.Pipeline;

// Issue 9 build 7: retry ceilings count only what a document causes. Busy, interrupted and storage faults never count; engine
// failures (timeout, crash, memory cap) count per source generation in an object of the output bucket, so the count survives
// a host restart and is shared by hosts; after MaxEngineFailures the document gets its permanent record. Pipeline decisions
// through AddDocx2Pdf with the stand-in converter (no LibreOffice); the real store (local folders) holds the count.
public sealed class RetryCeilingTests : IDisposable
{
    private const string In = PipelineHarness.InputBucket;
    private const string Out = PipelineHarness.OutputBucket;

    // One store shared by the "hosts" of a test: a restart is a new pipeline over the same buckets.
    private readonly string _storeRoot = Path.Combine(Path.GetTempPath(), "docx2pdf-ceiling-tests", Guid.NewGuid().ToString("N"));
    private readonly FileSystemObjectStore _store;

    public RetryCeilingTests()
    {
        Directory.CreateDirectory(_storeRoot);
        _store = new FileSystemObjectStore(new FileSystemObjectStoreOptions { RootPath = _storeRoot });
    }

    public void Dispose() => Directory.Delete(_storeRoot, recursive: true);

    [Fact]
    public async Task ConverterBusy_FarPastMaxDeliveryAttemptsAndMaxRetryAge_IsRetriedAndNeverRecorded()
    {
        var converter = new GatedConverter { FailWhen = _ => new ConverterBusyException("Every instance is busy (test).") };
        using var h = Host(converter);
        var source = await h.PutAsync(In, "burst/healthy.docx", Document());

        var outcome = await h.Pipeline.ProcessAsync(h.Notification(source, deliveryAttempt: 40, publishTime: h.Time.GetUtcNow() - TimeSpan.FromDays(3)));

        outcome.Status.Should().Be(ConversionStatus.FailedTransiently);
        outcome.FailureKind.Should().Be(FailureKind.ConverterBusy);
        (await h.ReadFailureRecordAsync(source.Name)).Should().BeNull("back-pressure is not the document's doing");
        (await CountObjectAsync(h, source.Name)).Should().BeNull("a busy answer counts for nothing, so no count is left behind");
    }

    [Fact]
    public async Task StorageFault_FarPastMaxDeliveryAttemptsAndMaxRetryAge_IsRetriedAndNeverRecorded()
    {
        using var h = Host(new GatedConverter());
        var source = await h.PutAsync(In, "outage/healthy.docx", Document());
        h.Store.FailDownloadsWith = FailureKind.StorageTransient;

        var outcome = await h.Pipeline.ProcessAsync(h.Notification(source, deliveryAttempt: 40, publishTime: h.Time.GetUtcNow() - TimeSpan.FromDays(3)));

        outcome.Status.Should().Be(ConversionStatus.FailedTransiently, "a storage outage is never acknowledged away");
        outcome.FailureKind.Should().Be(FailureKind.StorageTransient);
        (await h.ReadFailureRecordAsync(source.Name)).Should().BeNull();
    }

    [Fact]
    public async Task ConversionTimeout_OnTwoDeliveriesWithAHostRestartBetween_RecordedOnTheSecond()
    {
        var first = new GatedConverter { FailWhen = _ => new ConversionTimeoutException(TimeSpan.FromSeconds(5)) };
        ObjectInfo source;
        using (var host1 = Host(first))
        {
            source = await host1.PutAsync(In, "slow/always-times-out.docx", Document());
            var attempt1 = await host1.Pipeline.ProcessAsync(host1.Notification(source, deliveryAttempt: 1));

            attempt1.Status.Should().Be(ConversionStatus.FailedTransiently);
            attempt1.FailureKind.Should().Be(FailureKind.ConversionTimeout);
            attempt1.Detail.Should().Contain("Engine failure 1 of 2");
        }

        (await CountObjectAsync(null, source.Name)).Should().NotBeNull("the count is kept in the output bucket, not in the host that stopped");

        var second = new GatedConverter { FailWhen = _ => new ConversionTimeoutException(TimeSpan.FromSeconds(5)) };
        using var host2 = Host(second);
        var attempt2 = await host2.Pipeline.ProcessAsync(host2.Notification(source, deliveryAttempt: 2));

        attempt2.Status.Should().Be(ConversionStatus.FailedPermanently);
        attempt2.ShouldAcknowledge.Should().BeTrue();
        attempt2.FailureKind.Should().Be(FailureKind.ConversionTimeout);
        var record = await host2.ReadFailureRecordAsync(source.Name);
        record!.FailureKind.Should().Be("conversion_timeout");
        record.Message.Should().Contain("Docx2Pdf:MaxEngineFailures 2");
        (await CountObjectAsync(host2, source.Name)).Should().NotBeNull("the count stays beside the record until a later generation converts");
        second.Started.Should().Be(1);

        // A third delivery of the recorded generation is a duplicate: no conversion, no rewrite.
        var third = await host2.Pipeline.ProcessAsync(host2.Notification(source, deliveryAttempt: 3));
        third.Status.Should().Be(ConversionStatus.Duplicate);
        second.Started.Should().Be(1);
    }

    [Fact]
    public async Task ConversionsTheWorkerDiedIn_CountOnRedeliveries_ThenRecordedWithoutConverting()
    {
        // Two hosts die mid-conversion (held at the gate and never released: from the store's side, exactly a SIGKILL).
        var dying1 = new GatedConverter();
        var dying2 = new GatedConverter();
        dying1.Close();
        dying2.Close();
        using var host1 = Host(dying1);
        using var host2 = Host(dying2);
        var source = await host1.PutAsync(In, "poison/kills-the-host.docx", Document());
        using var abandon = new CancellationTokenSource();

        var inHost1 = host1.Pipeline.ProcessAsync(host1.Notification(source, deliveryAttempt: 2), abandon.Token);
        await dying1.WaitForStartedAsync(1);
        var inHost2 = host2.Pipeline.ProcessAsync(host2.Notification(source, deliveryAttempt: 3), abandon.Token);
        await dying2.WaitForStartedAsync(1);

        var third = new GatedConverter();
        using var host3 = Host(third);
        var outcome = await host3.Pipeline.ProcessAsync(host3.Notification(source, deliveryAttempt: 4));

        outcome.Status.Should().Be(ConversionStatus.FailedPermanently);
        outcome.FailureKind.Should().Be(FailureKind.EngineCrashed);
        third.Started.Should().Be(0, "two unfinished conversions reach MaxEngineFailures: the document is not given a third worker");
        var record = await host3.ReadFailureRecordAsync(source.Name);
        record!.FailureKind.Should().Be("engine_crashed");
        record.Message.Should().Contain("2 conversion(s) of it never ended");

        // The abandoned work ends as an interruption (never a PDF after the record).
        await abandon.CancelAsync();
        (await inHost1).FailureKind.Should().Be(FailureKind.Interrupted);
        (await inHost2).FailureKind.Should().Be(FailureKind.Interrupted);
        (await host3.InfoAsync(Out, "poison/kills-the-host.pdf")).Should().BeNull();
    }

    [Fact]
    public async Task ConverterBusyAfterTheAttemptWasCounted_IsUncounted()
    {
        // The converter's own queue timeout answers busy after the pipeline counted the attempt as begun (a redelivery).
        var converter = new GatedConverter { FailWhen = _ => new ConverterBusyException("Queue timeout (test).") };
        using var h = Host(converter);
        var source = await h.PutAsync(In, "queued/healthy.docx", Document());

        for (var attempt = 2; attempt <= 6; attempt++)
        {
            var outcome = await h.Pipeline.ProcessAsync(h.Notification(source, deliveryAttempt: attempt));
            outcome.FailureKind.Should().Be(FailureKind.ConverterBusy);
        }

        converter.Started.Should().Be(5, "each delivery reached the converter: none was stopped by a count");
        (await CountObjectAsync(h, source.Name)).Should().BeNull("an attempt that ended busy is taken off the count");
        (await h.ReadFailureRecordAsync(source.Name)).Should().BeNull();
    }

    [Fact]
    public async Task EngineFailureThenSuccess_RemovesTheCount()
    {
        var failures = 1;
        var converter = new GatedConverter { FailWhen = _ => Interlocked.Decrement(ref failures) >= 0 ? new ConversionFailedException(FailureKind.EngineCrashed, "LibreOffice died (test).") : null };
        using var h = Host(converter);
        var source = await h.PutAsync(In, "flaky/once.docx", Document());

        var crashed = await h.Pipeline.ProcessAsync(h.Notification(source, deliveryAttempt: 1));
        (await CountObjectAsync(h, source.Name)).Should().NotBeNull();
        var converted = await h.Pipeline.ProcessAsync(h.Notification(source, deliveryAttempt: 2));

        crashed.FailureKind.Should().Be(FailureKind.EngineCrashed);
        converted.Status.Should().Be(ConversionStatus.Converted);
        (await CountObjectAsync(h, source.Name)).Should().BeNull();
    }

    [Fact]
    public async Task EngineFailuresOfAnOlderGeneration_DoNotCountForANewOne()
    {
        var converter = new GatedConverter { FailWhen = b => b[0] == (byte)'1' ? new ConversionTimeoutException(TimeSpan.FromSeconds(5)) : null };
        using var h = Host(converter);
        var old = await h.PutAsync(In, "revised/report.docx", new MemoryStream("1 old revision"u8.ToArray()));
        (await h.Pipeline.ProcessAsync(h.Notification(old, deliveryAttempt: 1))).FailureKind.Should().Be(FailureKind.ConversionTimeout);

        var revised = await h.PutAsync(In, "revised/report.docx", new MemoryStream("2 new revision"u8.ToArray()));
        var outcome = await h.Pipeline.ProcessAsync(h.Notification(revised, deliveryAttempt: 2));

        outcome.Status.Should().Be(ConversionStatus.Converted);
        (await CountObjectAsync(h, revised.Name)).Should().BeNull("the older generation's count is removed with the conversion of a newer one");
    }

    [Fact]
    public async Task MaxEngineFailures_OutOfRange_FailsAtStartNamingThePath()
    {
        var act = () => Host(new GatedConverter(), o => o.MaxEngineFailures = 0);

        act.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().WithMessage("*Docx2Pdf:MaxEngineFailures*");
    }

    private PipelineHarness Host(GatedConverter converter, Action<Docx2PdfOptions>? configure = null) =>
        PipelineHarness.Create(
            converter,
            o =>
            {
                o.MaxDeliveryAttempts = 3;
                configure?.Invoke(o);
            },
            _store);

    private async Task<ObjectInfo?> CountObjectAsync(PipelineHarness? h, string sourceName)
    {
        var prefix = h?.Options.FailurePrefix ?? new Docx2PdfOptions().FailurePrefix;
        var info = await _store.GetInfoAsync(Out, prefix + sourceName + ".engine-failures.json");
        info?.Metadata[OutputMetadata.MarkerKey].Should().Be(OutputMetadata.EngineFailuresMarker);
        return info;
    }

    private static MemoryStream Document() => new("a document the stand-in converter accepts"u8.ToArray());
}
