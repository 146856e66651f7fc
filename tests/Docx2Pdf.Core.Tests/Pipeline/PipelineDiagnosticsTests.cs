using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Docx2Pdf.Diagnostics;
using Docx2Pdf.Pipeline;
using Docx2Pdf.Testing.Doubles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Docx2Pdf.Core.Tests.Pipeline;

/// <summary>Metrics and traces of the pipeline's outcomes; the converter is a test double (fast layer).</summary>
public sealed class PipelineDiagnosticsTests
{
    private readonly GatedConverter _converter = new()
    {
        FailWhen = input => input.Length < 16 ? new DocumentRejectedException(FailureKind.InvalidDocument, "Not a document.") : null,
    };

    [Fact]
    public async Task ProcessAsync_EachOutcome_CountedWithOutcomeAndFailureKindAndTimed()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        using var events = new MetricCollector<long>(meterFactory, Docx2PdfDiagnostics.MeterName, PipelineMetrics.EventsInstrument);
        using var durations = new MetricCollector<double>(meterFactory, Docx2PdfDiagnostics.MeterName, PipelineMetrics.DurationInstrument);
        using var h = PipelineHarness.Create(_converter, meterFactory: meterFactory);
        var good = await h.PutCorpusAsync(PipelineHarness.InputBucket, "metrics.docx", "poi/sample.docx");
        var broken = await h.PutAsync(PipelineHarness.InputBucket, "metrics-broken.docx", new MemoryStream("PK broken"u8.ToArray()));

        await h.Pipeline.ProcessAsync(h.Notification(good));
        await h.Pipeline.ProcessAsync(h.Notification(good));
        await h.Pipeline.ProcessAsync(h.Notification(good, "OBJECT_DELETE"));
        await h.Pipeline.ProcessAsync(h.Notification(broken));

        var measurements = events.GetMeasurementSnapshot();
        measurements.Should().HaveCount(4).And.OnlyContain(m => m.Value == 1);
        measurements.Select(m => m.Tags[PipelineMetrics.OutcomeTag]).Should().Equal("converted", "duplicate", "ignored", "failed_permanently");
        measurements[2].Tags[PipelineMetrics.IgnoreReasonTag].Should().Be("not_finalize");
        measurements[3].Tags[PipelineMetrics.FailureKindTag].Should().Be("invalid_document");
        measurements[0].Tags.Should().NotContainKey(PipelineMetrics.FailureKindTag);
        durations.GetMeasurementSnapshot().Should().HaveCount(4).And.OnlyContain(m => m.Value >= 0);
    }

    [Fact]
    public async Task ProcessAsync_ConvertedEvent_OneActivityWithDownloadConvertUploadChildren()
    {
        var stopped = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == Docx2PdfDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Add,
        };
        ActivitySource.AddActivityListener(listener);
        using var h = PipelineHarness.Create(_converter);
        var name = "traced-" + Guid.NewGuid().ToString("N") + ".docx";
        var source = await h.PutCorpusAsync(PipelineHarness.InputBucket, name, "poi/sample.docx");

        var outcome = await h.Pipeline.ProcessAsync(h.Notification(source, messageId: "traced-message"));

        outcome.Status.Should().Be(ConversionStatus.Converted);
        var root = stopped.Single(a => a.OperationName == "docx2pdf.process" && (string?)a.GetTagItem("docx2pdf.object") == name);
        root.GetTagItem("messaging.message.id").Should().Be("traced-message");
        root.GetTagItem("docx2pdf.outcome").Should().Be("converted");
        stopped.Where(a => a.ParentSpanId == root.SpanId && a.TraceId == root.TraceId).Select(a => a.OperationName)
            .Should().BeEquivalentTo(["docx2pdf.download", "docx2pdf.convert", "docx2pdf.upload"]);
    }
}
