using System.Diagnostics;
using System.Globalization;

namespace Docx2Pdf.Logging;

/// <summary>
/// Reads the trace of an incoming request from <c>traceparent</c> (W3C) or, when that is absent, from Google's
/// <c>X-Cloud-Trace-Context: TRACE_ID/SPAN_ID;o=OPTIONS</c>, so the request's activity, and every log line written in it,
/// carries the trace Cloud Run's own request log shows. Everything else is the default propagator's.
/// </summary>
internal sealed class CloudTracePropagator(DistributedContextPropagator inner) : DistributedContextPropagator
{
    internal const string CloudTraceHeader = "X-Cloud-Trace-Context";
    private const string TraceParentHeader = "traceparent";

    public override IReadOnlyCollection<string> Fields { get; } = [.. inner.Fields, CloudTraceHeader];

    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter) => inner.Inject(activity, carrier, setter);

    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState)
    {
        inner.ExtractTraceIdAndState(carrier, getter, out traceId, out traceState);
        if (traceId is null && getter is not null)
        {
            getter(carrier, TraceParentHeader, out var parent, out _);
            if (parent is null)
            {
                getter(carrier, CloudTraceHeader, out var cloud, out _);
                traceId = ToTraceParent(cloud);
            }
        }
    }

    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter) =>
        inner.ExtractBaggage(carrier, getter);

    /// <summary><c>105445aa7843bc8bf206b12000100000/1;o=1</c> → <c>00-105445aa7843bc8bf206b12000100000-0000000000000001-01</c>.</summary>
    internal static string? ToTraceParent(string? cloudTraceContext)
    {
        if (string.IsNullOrEmpty(cloudTraceContext))
        {
            return null;
        }

        var slash = cloudTraceContext.IndexOf('/', StringComparison.Ordinal);
        var trace = slash < 0 ? cloudTraceContext : cloudTraceContext[..slash];
        if (trace.Length != 32 || !trace.All(char.IsAsciiHexDigit) || trace.All(c => c == '0'))
        {
            return null;
        }

        var span = 0UL;
        var sampled = false;
        if (slash >= 0)
        {
            var rest = cloudTraceContext[(slash + 1)..];
            var semicolon = rest.IndexOf(';', StringComparison.Ordinal);
            var spanText = semicolon < 0 ? rest : rest[..semicolon];
            if (!ulong.TryParse(spanText, NumberStyles.None, CultureInfo.InvariantCulture, out span))
            {
                span = 0;
            }

            sampled = semicolon >= 0 && rest[(semicolon + 1)..].Trim() == "o=1";
        }

        // A W3C parent id must not be all zeroes.
        var spanHex = (span == 0 ? 1UL : span).ToString("x16", CultureInfo.InvariantCulture);
        return $"00-{trace.ToLowerInvariant()}-{spanHex}-{(sampled ? "01" : "00")}";
    }
}
