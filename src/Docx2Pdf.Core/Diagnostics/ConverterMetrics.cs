using System.Diagnostics;
using System.Diagnostics.Metrics;
using Docx2Pdf.Conversion;

namespace Docx2Pdf.Diagnostics;

/// <summary>The LibreOffice pool's instruments on the <c>Docx2Pdf</c> meter: ready and busy instances, queue length, restarts by reason.</summary>
internal sealed class ConverterMetrics : IDisposable
{
    internal const string ReadyInstrument = "docx2pdf.converter.instances.ready";
    internal const string BusyInstrument = "docx2pdf.converter.instances.busy";
    internal const string QueueInstrument = "docx2pdf.converter.queue.length";
    internal const string RestartsInstrument = "docx2pdf.converter.restarts";
    internal const string ReasonTag = "docx2pdf.reason";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _restarts;
    private OfficePool? _pool;

    public ConverterMetrics(IMeterFactory? meterFactory)
    {
        // Without a factory (no host), the meter is ours to dispose; with one, the factory owns and shares it.
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(Docx2PdfDiagnostics.MeterName, Docx2PdfDiagnostics.Version)
            ?? new Meter(Docx2PdfDiagnostics.MeterName, Docx2PdfDiagnostics.Version);
        _meter.CreateObservableGauge(ReadyInstrument, () => _pool?.ReadyInstances ?? 0, "{instance}", "LibreOffice instances running now (idle or converting).");
        _meter.CreateObservableGauge(BusyInstrument, () => _pool?.BusyInstances ?? 0, "{instance}", "LibreOffice instances converting a document now.");
        _meter.CreateObservableGauge(QueueInstrument, () => _pool?.QueueLength ?? 0, "{request}", "Conversions waiting for a free LibreOffice instance.");
        _restarts = _meter.CreateCounter<long>(RestartsInstrument, "{restart}", "LibreOffice instances ended and replaced, by reason.");
    }

    /// <summary>The pool the gauges observe.</summary>
    public void Observe(OfficePool pool) => _pool = pool;

    public void Restarted(RecycleReason reason) => _restarts.Add(1, new TagList { { ReasonTag, reason.ToLabel() } });

    public void Dispose()
    {
        _pool = null;
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
