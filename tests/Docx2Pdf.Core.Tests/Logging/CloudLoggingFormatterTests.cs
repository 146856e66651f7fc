using System.Diagnostics;
using System.Text.Json;
using Docx2Pdf.Core.Tests.DependencyInjection;
using Docx2Pdf.Logging;
using Docx2Pdf.Notifications;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Docx2Pdf.Core.Tests.Logging;

/// <summary>
/// The cloud-logging console formatter, resolved from DI as the console logger resolves it and driven through a real
/// LoggerFactory with scopes; every line it writes is parsed back as JSON.
/// </summary>
[Collection(EnvironmentCollection.Name)]
public sealed class CloudLoggingFormatterTests
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string SpanId = "00f067aa0ba902b7";
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 8, 15, 42, 123, TimeSpan.Zero);

    [Fact]
    public void Write_ErrorInAnEventScopeUnderATrace_OneJsonLineWithEveryField()
    {
        var (lines, logger) = Capture(o => o.ProjectId = "my-project");
        var storageEvent = new StorageEvent
        {
            Bucket = "in-bucket",
            ObjectName = "reports/q3\r\n{\"severity\":\"CRITICAL\"}.docx",
            Generation = 1700000000000001,
            EventType = StorageEventType.Finalize,
            MessageId = "msg-42",
        };

        using (var activity = new Activity("request").SetParentId($"00-{TraceId}-{SpanId}-01").Start())
        using (EventLogScope.Begin(logger, storageEvent))
        {
            logger.LogError(new EventId(1234), new InvalidOperationException("LibreOffice went away"), "Conversion of {Document} failed after {Attempts} attempts", "q3.docx", 3);
        }

        var line = lines().Should().ContainSingle("one entry is one line, whatever the object name holds").Subject;
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        root.GetProperty("severity").GetString().Should().Be("ERROR");
        root.GetProperty("message").GetString().Should().StartWith("Conversion of q3.docx failed after 3 attempts");
        root.GetProperty("time").GetString().Should().Be("2026-11-30T08:15:42.1230000Z");
        root.GetProperty("exception").GetString().Should().Contain("System.InvalidOperationException: LibreOffice went away");
        root.GetProperty("logging.googleapis.com/trace").GetString().Should().Be($"projects/my-project/traces/{TraceId}");
        root.GetProperty("logging.googleapis.com/spanId").GetString().Should().HaveLength(16);
        root.GetProperty("logging.googleapis.com/trace_sampled").GetBoolean().Should().BeTrue();
        root.GetProperty("eventId").GetInt32().Should().Be(1234);
        root.GetProperty("category").GetString().Should().Be("Test.Category");
        root.GetProperty("Document").GetString().Should().Be("q3.docx");
        root.GetProperty("Attempts").GetInt64().Should().Be(3);
        root.GetProperty("messageId").GetString().Should().Be("msg-42");
        root.GetProperty("bucket").GetString().Should().Be("in-bucket");
        // The event scope carries names escaped for every formatter (a line break cannot start a forged line in plain text
        // either); JSON then escapes what is left, so the JSON field is the escaped name, still on one line.
        root.GetProperty("object").GetString().Should().Be(Docx2Pdf.LogText.Escape(storageEvent.ObjectName));
        root.GetProperty("generation").GetString().Should().Be("1700000000000001");
        root.TryGetProperty("{OriginalFormat}", out _).Should().BeFalse();
    }

    [Theory]
    [InlineData(LogLevel.Debug, "DEBUG")]
    [InlineData(LogLevel.Information, "INFO")]
    [InlineData(LogLevel.Warning, "WARNING")]
    [InlineData(LogLevel.Critical, "CRITICAL")]
    public void Write_Level_MapsToCloudLoggingSeverity(LogLevel level, string severity)
    {
        var (lines, logger) = Capture();

        logger.Log(level, "plain");

        JsonDocument.Parse(lines().Single()).RootElement.GetProperty("severity").GetString().Should().Be(severity);
    }

    [Fact]
    public void Write_WithoutProjectId_NoTraceField()
    {
        using var environment = new EnvironmentScope(("GOOGLE_CLOUD_PROJECT", null));
        var (lines, logger) = Capture();

        using (new Activity("request").SetParentId($"00-{TraceId}-{SpanId}-01").Start())
        {
            logger.LogInformation("inside a trace");
        }

        JsonDocument.Parse(lines().Single()).RootElement.TryGetProperty("logging.googleapis.com/trace", out _).Should().BeFalse(
            "Cloud Logging only links a trace given as projects/{project}/traces/{id}");
    }

    [Fact]
    public void ProjectId_DefaultsToGoogleCloudProject()
    {
        using var environment = new EnvironmentScope(("GOOGLE_CLOUD_PROJECT", "from-env"));

        new CloudLoggingFormatterOptions().ProjectId.Should().Be("from-env");
    }

    [Fact]
    public void FormatterName_OnCloudRun_IsCloudLogging()
    {
        using var environment = EnvironmentScope.Clean(("K_SERVICE", "docx2pdf"));

        ConsoleOptions(b => b.AddCloudLoggingConsole()).FormatterName.Should().Be(CloudLoggingFormatterOptions.FormatterName);
    }

    [Fact]
    public void FormatterName_OffCloudRun_LeftToConfiguration()
    {
        using var environment = EnvironmentScope.Clean();

        ConsoleOptions(b => b.AddCloudLoggingConsole()).FormatterName.Should().BeNull();
    }

    [Fact]
    public void FormatterName_ExplicitSimpleOnCloudRun_Wins()
    {
        using var environment = EnvironmentScope.Clean(("K_SERVICE", "docx2pdf"));

        ConsoleOptions(b => b.AddCloudLoggingConsole().Services.Configure<ConsoleLoggerOptions>(o => o.FormatterName = ConsoleFormatterNames.Simple))
            .FormatterName.Should().Be(ConsoleFormatterNames.Simple);
    }

    [Theory]
    [InlineData("105445aa7843bc8bf206b12000100000/1;o=1", "00-105445aa7843bc8bf206b12000100000-0000000000000001-01")]
    [InlineData("105445AA7843BC8BF206B12000100000/18446744073709551615;o=0", "00-105445aa7843bc8bf206b12000100000-ffffffffffffffff-00")]
    [InlineData("105445aa7843bc8bf206b12000100000", "00-105445aa7843bc8bf206b12000100000-0000000000000001-00")]
    [InlineData("not-a-trace/1;o=1", null)]
    [InlineData("00000000000000000000000000000000/1;o=1", null)]
    [InlineData("", null)]
    public void ToTraceParent_CloudTraceContext_W3CParentOrNothing(string header, string? expected) =>
        CloudTracePropagator.ToTraceParent(header).Should().Be(expected);

    [Fact]
    public void Propagator_FromDi_ReadsXCloudTraceContextOnlyWithoutTraceparent()
    {
        using var services = new ServiceCollection().AddLogging(b => b.AddCloudLoggingConsole()).BuildServiceProvider();
        var propagator = services.GetServices<DistributedContextPropagator>().Last();

        Extract(propagator, new() { ["X-Cloud-Trace-Context"] = $"{TraceId}/7;o=1" })
            .Should().Be($"00-{TraceId}-0000000000000007-01");
        Extract(propagator, new() { ["X-Cloud-Trace-Context"] = $"{TraceId}/7;o=1", ["traceparent"] = $"00-{new string('a', 32)}-{SpanId}-01" })
            .Should().Be($"00-{new string('a', 32)}-{SpanId}-01", "the W3C header wins when both are present");
    }

    private static string? Extract(DistributedContextPropagator propagator, Dictionary<string, string> headers)
    {
        propagator.ExtractTraceIdAndState(headers, static (carrier, name, out value, out values) =>
        {
            values = null;
            value = ((Dictionary<string, string>)carrier!).GetValueOrDefault(name);
        }, out var traceId, out _);
        return traceId;
    }

    private static ConsoleLoggerOptions ConsoleOptions(Action<ILoggingBuilder> configure)
    {
        using var services = new ServiceCollection().AddLogging(configure).BuildServiceProvider();
        return services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue;
    }

    private static (Func<IReadOnlyList<string>> Lines, ILogger Logger) Capture(Action<CloudLoggingFormatterOptions>? configure = null)
    {
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(new FakeTimeProvider(Now))
            .AddLogging(b => b.AddCloudLoggingConsole(configure))
            .BuildServiceProvider();
        var formatter = services.GetServices<ConsoleFormatter>().Single(f => f.Name == CloudLoggingFormatterOptions.FormatterName);
        var output = new StringWriter();
        var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FormatterProvider(formatter, output)));
        return (() => output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), factory.CreateLogger("Test.Category"));
    }

    /// <summary>The console logger's own contract with its formatter (Write with the scope provider), into a string.</summary>
    private sealed class FormatterProvider : ILoggerProvider, ISupportExternalScope
    {
        private readonly ConsoleFormatter _formatter;
        private readonly TextWriter _output;
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public FormatterProvider(ConsoleFormatter formatter, TextWriter output) => (_formatter, _output) = (formatter, output);

        public ILogger CreateLogger(string categoryName) => new FormatterLogger(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class FormatterLogger(FormatterProvider provider, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (provider)
                {
                    provider._formatter.Write(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter), provider._scopes, provider._output);
                }
            }
        }
    }
}
