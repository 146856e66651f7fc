using System.Diagnostics;
using System.Diagnostics.Metrics;
using Docx2Pdf.Pipeline;

namespace Docx2Pdf.Diagnostics;

/// <summary>The pipeline's instruments on the <c>Docx2Pdf</c> meter: events by outcome and failure kind, and their duration.</summary>
internal sealed class PipelineMetrics : IDisposable
{
    internal const string EventsInstrument = "docx2pdf.pipeline.events";
    internal const string DurationInstrument = "docx2pdf.pipeline.duration";
    internal const string OutcomeTag = "docx2pdf.outcome";
    internal const string FailureKindTag = "docx2pdf.failure_kind";
    internal const string IgnoreReasonTag = "docx2pdf.ignore_reason";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _events;
    private readonly Histogram<double> _duration;

    public PipelineMetrics(IMeterFactory? meterFactory)
    {
        // Without a factory (no host), the meter is ours to dispose; with one, the factory owns and shares it.
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(Docx2PdfDiagnostics.MeterName, Docx2PdfDiagnostics.Version)
            ?? new Meter(Docx2PdfDiagnostics.MeterName, Docx2PdfDiagnostics.Version);
        _events = _meter.CreateCounter<long>(EventsInstrument, "{event}", "Storage events processed by the conversion pipeline, by outcome and failure kind.");
        _duration = _meter.CreateHistogram<double>(DurationInstrument, "s", "Time from receiving a storage event to its outcome.");
    }

    public void Record(ConversionOutcome outcome, TimeSpan duration)
    {
        var tags = new TagList { { OutcomeTag, ToLabel(outcome.Status) } };
        if (outcome.FailureKind is { } kind)
        {
            tags.Add(FailureKindTag, kind.ToLabel());
        }

        if (outcome.IgnoreReason is { } reason)
        {
            tags.Add(IgnoreReasonTag, ToLabel(reason));
        }

        _events.Add(1, tags);
        _duration.Record(duration.TotalSeconds, tags);
    }

    /// <summary>Counts a delivery that is no storage event (it never reaches the pipeline): outcome and failure kind <c>invalid_message</c>.</summary>
    public void RecordInvalidMessage()
    {
        var label = FailureKind.InvalidMessage.ToLabel();
        _events.Add(1, new TagList { { OutcomeTag, label }, { FailureKindTag, label } });
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    internal static string ToLabel(ConversionStatus status) => status switch
    {
        ConversionStatus.Converted => "converted",
        ConversionStatus.Ignored => "ignored",
        ConversionStatus.Duplicate => "duplicate",
        ConversionStatus.FailedPermanently => "failed_permanently",
        ConversionStatus.FailedTransiently => "failed_transiently",
        _ => "unknown",
    };

    internal static string ToLabel(IgnoreReason reason) => reason switch
    {
        IgnoreReason.NotFinalize => "not_finalize",
        IgnoreReason.ExtensionNotEnabled => "extension_not_enabled",
        IgnoreReason.OwnOutput => "own_output",
        IgnoreReason.EmptyObject => "empty_object",
        IgnoreReason.TooLarge => "too_large",
        IgnoreReason.StaleGeneration => "stale_generation",
        IgnoreReason.ObjectGone => "object_gone",
        IgnoreReason.UnsafeName => "unsafe_name",
        IgnoreReason.BucketNotAllowed => "bucket_not_allowed",
        _ => "unknown",
    };
}
