using System.Diagnostics.Metrics;
using Docx2Pdf.Delivery;
using Docx2Pdf.Diagnostics;
using Docx2Pdf.Notifications;
using Docx2Pdf.Pipeline;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.Core.Tests.Delivery;

// The one delivery decision both adapters translate: pure, no LibreOffice, no server.
public sealed class DeliveryPolicyTests : IDisposable
{
    private static readonly StorageEvent Event = new()
    {
        Bucket = "in",
        ObjectName = "a.docx",
        Generation = 1,
        EventType = StorageEventType.Finalize,
        MessageId = "m-1",
        DeliveryAttempt = 2,
    };

    private readonly Docx2PdfOptions _options = new() { OutputBucket = "out" };
    private readonly FakeLogger<DeliveryPolicy> _logger = new();
    private readonly Meter _meter = new(Docx2PdfDiagnostics.MeterName);
    private readonly PipelineMetrics _metrics;
    private readonly DeliveryPolicy _policy;

    public DeliveryPolicyTests()
    {
        _metrics = new PipelineMetrics(new SingleMeterFactory(_meter));
        _policy = new DeliveryPolicy(new Monitor(_options), _metrics, _logger);
    }

    public static TheoryData<ConversionOutcome> Acknowledged => new()
    {
        ConversionOutcome.Converted("out", "a.pdf"),
        ConversionOutcome.Duplicate("out", "a.pdf"),
        ConversionOutcome.Ignored(IgnoreReason.NotFinalize, "delete"),
        ConversionOutcome.Failed(FailureKind.InvalidDocument, "corrupt"),
        ConversionOutcome.Failed(FailureKind.PasswordProtected, "locked"),
        ConversionOutcome.Failed(FailureKind.StoragePermanent, "denied"),
    };

    [Theory]
    [MemberData(nameof(Acknowledged))]
    public void ForOutcome_NothingARetryCanHelp_Acknowledge(ConversionOutcome outcome)
    {
        var decision = _policy.ForOutcome(Event, outcome, "test");

        decision.Action.Should().Be(DeliveryAction.Acknowledge);
        decision.RetryAfter.Should().Be(TimeSpan.Zero);
        decision.FailureKind.Should().Be(outcome.FailureKind);
    }

    [Theory]
    [InlineData(FailureKind.StorageTransient)]
    [InlineData(FailureKind.EngineCrashed)]
    [InlineData(FailureKind.ConversionTimeout)]
    [InlineData(FailureKind.Interrupted)]
    [InlineData(FailureKind.ConverterBusy)]
    public void ForOutcome_TransientFailure_RetryAfterTheKindsDelay(FailureKind kind)
    {
        var decision = _policy.ForOutcome(Event, ConversionOutcome.Failed(kind, "later"), "test");

        decision.Action.Should().Be(DeliveryAction.Retry);
        decision.RetryAfter.Should().Be(kind.SuggestedRetryDelay()).And.BePositive();
        decision.IsBackPressure.Should().Be(kind == FailureKind.ConverterBusy);
        _logger.Collector.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 502 && r.Level == LogLevel.Information);
    }

    [Fact]
    public void ForOutcome_RetryWhileHostStopping_RetryAtOnceForAnotherWorker()
    {
        var decision = _policy.ForOutcome(Event, ConversionOutcome.Failed(FailureKind.Interrupted, "stopping"), "test", hostStopping: true);

        decision.Action.Should().Be(DeliveryAction.Retry);
        decision.RetryAfter.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void ForCancellation_IsAnInterruptedRetry()
    {
        var decision = _policy.ForCancellation(Event, "test", hostStopping: false);

        decision.Action.Should().Be(DeliveryAction.Retry);
        decision.FailureKind.Should().Be(FailureKind.Interrupted);
        decision.RetryAfter.Should().Be(FailureKind.Interrupted.SuggestedRetryDelay());
    }

    [Fact]
    public void ForUnexpected_RetryWithADelayLoggedAtErrorWithTheException()
    {
        var decision = _policy.ForUnexpected(new InvalidOperationException("bug"), "test", "m-9");

        decision.Action.Should().Be(DeliveryAction.Retry);
        decision.RetryAfter.Should().BePositive();
        decision.Detail.Should().NotContain("bug", "exception messages are not passed to senders");
        var record = _logger.Collector.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 503).Subject;
        record.Level.Should().Be(LogLevel.Error);
        record.Exception.Should().BeOfType<InvalidOperationException>();
    }

    [Fact]
    public void ForInvalidMessage_Default_AcknowledgedLoggedAtErrorWithIdAndFieldAndCounted()
    {
        using var events = new MetricCollector<long>(_meter, PipelineMetrics.EventsInstrument);

        var decision = _policy.ForInvalidMessage(new InvalidMessageException("bucketId", "The bucket name is missing."), "projects/p/subscriptions/s", "m-7", deliveryAttempt: 3);

        decision.Action.Should().Be(DeliveryAction.Acknowledge);
        decision.FailureKind.Should().Be(FailureKind.InvalidMessage);
        var record = _logger.Collector.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 500).Subject;
        record.Level.Should().Be(LogLevel.Error);
        record.Message.Should().Contain("m-7").And.Contain("bucketId").And.Contain("projects/p/subscriptions/s").And.Contain("acknowledged");
        var measurement = events.GetMeasurementSnapshot().Should().ContainSingle().Subject;
        measurement.Tags[PipelineMetrics.FailureKindTag].Should().Be("invalid_message");
    }

    [Fact]
    public void ForInvalidMessage_Reject_RejectedNamingTheField()
    {
        _options.InvalidMessages = InvalidMessageHandling.Reject;

        var decision = _policy.ForInvalidMessage(new InvalidMessageException("message.data", "not base64"), "push", "m-8", deliveryAttempt: null);

        decision.Action.Should().Be(DeliveryAction.Reject);
        decision.InvalidField.Should().Be("message.data");
        _logger.Collector.GetSnapshot().Single(r => r.Id.Id == 500).Message.Should().Contain("rejected");
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _meter.Dispose();
    }

    private sealed class Monitor(Docx2PdfOptions value) : IOptionsMonitor<Docx2PdfOptions>
    {
        public Docx2PdfOptions CurrentValue => value;

        public Docx2PdfOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<Docx2PdfOptions, string?> listener) => null;
    }

    private sealed class SingleMeterFactory(Meter meter) : IMeterFactory
    {
        public Meter Create(MeterOptions options) => meter;

        public void Dispose()
        {
        }
    }
}
