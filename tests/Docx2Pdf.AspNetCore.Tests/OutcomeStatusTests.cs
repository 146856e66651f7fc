using Docx2Pdf.AspNetCore.PubSub;
using Docx2Pdf.Pipeline;

namespace Docx2Pdf.AspNetCore.Tests;

// The one outcome -> HTTP mapping, for every status and failure kind the pipeline can report.
public sealed class OutcomeStatusTests
{
    public static TheoryData<string, ConversionOutcome, int> Acknowledged => new()
    {
        { "converted", ConversionOutcome.Converted("out", "a.pdf"), 204 },
        { "duplicate", ConversionOutcome.Duplicate("out", "a.pdf"), 204 },
        { "ignored", ConversionOutcome.Ignored(IgnoreReason.NotFinalize, "delete"), 204 },
        { "invalid document", ConversionOutcome.Failed(FailureKind.InvalidDocument, "corrupt"), 204 },
        { "password", ConversionOutcome.Failed(FailureKind.PasswordProtected, "locked"), 204 },
        { "conversion failed", ConversionOutcome.Failed(FailureKind.ConversionFailed, "no pdf"), 204 },
        { "storage permanent", ConversionOutcome.Failed(FailureKind.StoragePermanent, "denied"), 204 },
    };

    [Theory]
    [MemberData(nameof(Acknowledged))]
    public void From_AcknowledgedOutcome_Is204WithoutRetryAfter(string name, ConversionOutcome outcome, int expected)
    {
        var status = OutcomeStatus.From(outcome);

        status.StatusCode.Should().Be(expected, name);
        status.RetryAfter.Should().BeNull();
    }

    [Theory]
    [InlineData(FailureKind.StorageTransient)]
    [InlineData(FailureKind.EngineCrashed)]
    [InlineData(FailureKind.ConversionTimeout)]
    [InlineData(FailureKind.Interrupted)]
    public void From_TransientFailure_Is503WithTheOutcomesRetryAfter(FailureKind kind)
    {
        var status = OutcomeStatus.From(ConversionOutcome.Failed(kind, "later", TimeSpan.FromSeconds(42)));

        status.StatusCode.Should().Be(503);
        status.RetryAfter.Should().Be(TimeSpan.FromSeconds(42));
    }

    [Fact]
    public void From_ConverterBusy_Is429WithRetryAfter()
    {
        var status = OutcomeStatus.From(ConversionOutcome.Failed(FailureKind.ConverterBusy, "busy", TimeSpan.FromSeconds(3)));

        status.StatusCode.Should().Be(429);
        status.RetryAfter.Should().Be(TimeSpan.FromSeconds(3));
    }

    [Theory]
    [InlineData(0.2, "1")]
    [InlineData(1.0, "1")]
    [InlineData(1.5, "2")]
    [InlineData(600, "600")]
    public void RetryAfterSeconds_RoundsUpToWholeSecondsAtLeastOne(double seconds, string expected) =>
        OutcomeStatus.RetryAfterSeconds(TimeSpan.FromSeconds(seconds)).Should().Be(expected);
}
