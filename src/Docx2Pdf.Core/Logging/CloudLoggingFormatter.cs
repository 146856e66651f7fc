using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.Logging;

/// <summary>
/// Writes each log entry as one line of JSON in the shape Cloud Logging reads from a container's output: <c>severity</c>,
/// <c>message</c>, <c>time</c>, the exception, the trace of the request (<c>logging.googleapis.com/trace</c>, <c>spanId</c>,
/// <c>trace_sampled</c>), the category and event id, the message's own values, and every scope value (message id, bucket,
/// object, generation) as fields. JSON escaping keeps a line a line whatever a logged value contains.
/// </summary>
internal sealed class CloudLoggingFormatter : ConsoleFormatter, IDisposable
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly TimeProvider _time;
    private readonly IDisposable? _reload;
    private CloudLoggingFormatterOptions _options;

    public CloudLoggingFormatter(IOptionsMonitor<CloudLoggingFormatterOptions> options, TimeProvider timeProvider)
        : base(CloudLoggingFormatterOptions.FormatterName)
    {
        _time = timeProvider;
        _options = options.CurrentValue;
        _reload = options.OnChange(o => _options = o);
    }

    public void Dispose() => _reload?.Dispose();

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("severity", Severity(logEntry.LogLevel));
            json.WriteString("message", logEntry.Exception is null ? message : $"{message}\n{logEntry.Exception}");
            json.WriteString("time", _time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
            if (logEntry.Exception is { } exception)
            {
                // Error Reporting groups errors by the stack trace in this field.
                json.WriteString("exception", exception.ToString());
            }

            WriteTrace(json, _options.ProjectId);
            json.WriteString("category", logEntry.Category);
            if (logEntry.EventId.Id != 0)
            {
                json.WriteNumber("eventId", logEntry.EventId.Id);
            }

            var written = new HashSet<string>(StringComparer.Ordinal)
            {
                "severity", "message", "time", "exception", "category", "eventId",
                "logging.googleapis.com/trace", "logging.googleapis.com/spanId", "logging.googleapis.com/trace_sampled",
            };
            if (logEntry.State is IEnumerable<KeyValuePair<string, object?>> values)
            {
                WriteValues(json, values, written);
            }

            scopeProvider?.ForEachScope(
                static (scope, state) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object?>> values)
                    {
                        WriteValues(state.json, values, state.written);
                    }
                },
                (json, written));
            json.WriteEndObject();
        }

        textWriter.Write(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        textWriter.Write('\n');
    }

    internal static string Severity(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARNING",
        LogLevel.Error => "ERROR",
        LogLevel.Critical => "CRITICAL",
        _ => "DEFAULT",
    };

    private static void WriteTrace(Utf8JsonWriter json, string? projectId)
    {
        // ASP.NET Core starts each request's activity from traceparent (or X-Cloud-Trace-Context, see CloudTracePropagator).
        var activity = Activity.Current;
        if (projectId is null || activity is null || activity.TraceId == default)
        {
            return;
        }

        json.WriteString("logging.googleapis.com/trace", $"projects/{projectId}/traces/{activity.TraceId.ToHexString()}");
        json.WriteString("logging.googleapis.com/spanId", activity.SpanId.ToHexString());
        json.WriteBoolean("logging.googleapis.com/trace_sampled", activity.ActivityTraceFlags.HasFlag(ActivityTraceFlags.Recorded));
    }

    private static void WriteValues(Utf8JsonWriter json, IEnumerable<KeyValuePair<string, object?>> values, HashSet<string> written)
    {
        foreach (var (key, value) in values)
        {
            // The message template is the message already; a key seen twice keeps its innermost value.
            if (key == "{OriginalFormat}" || !written.Add(key))
            {
                continue;
            }

            switch (value)
            {
                case null:
                    json.WriteNull(key);
                    break;
                case bool b:
                    json.WriteBoolean(key, b);
                    break;
                case int or long or short or byte or uint or ulong or ushort or sbyte:
                    json.WriteNumber(key, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                    break;
                case double or float or decimal:
                    json.WriteNumber(key, Convert.ToDouble(value, CultureInfo.InvariantCulture));
                    break;
                default:
                    json.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture));
                    break;
            }
        }
    }
}
