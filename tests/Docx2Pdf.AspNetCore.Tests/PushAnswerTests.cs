using Docx2Pdf.AspNetCore.PubSub;
using Docx2Pdf.Delivery;

namespace Docx2Pdf.AspNetCore.Tests;

// The push translation of every delivery decision: it decides nothing, it only picks the status Pub/Sub acts on.
public sealed class PushAnswerTests
{
    [Fact]
    public void From_Acknowledge_Is204WithoutRetryAfter()
    {
        var answer = PushAnswer.From(DeliveryDecision.Acknowledge(FailureKind.InvalidDocument, "corrupt"));

        answer.StatusCode.Should().Be(204);
        answer.RetryAfter.Should().BeNull();
    }

    [Theory]
    [InlineData(FailureKind.StorageTransient)]
    [InlineData(FailureKind.EngineCrashed)]
    [InlineData(FailureKind.ConversionTimeout)]
    [InlineData(FailureKind.Interrupted)]
    public void From_Retry_Is503WithTheDecisionsDelay(FailureKind kind)
    {
        var answer = PushAnswer.From(DeliveryDecision.Retry(kind, TimeSpan.FromSeconds(42), "later"));

        answer.StatusCode.Should().Be(503);
        answer.RetryAfter.Should().Be(TimeSpan.FromSeconds(42));
    }

    [Fact]
    public void From_RetryBecauseBusy_Is429WithRetryAfter()
    {
        var answer = PushAnswer.From(DeliveryDecision.Retry(FailureKind.ConverterBusy, TimeSpan.FromSeconds(3), "busy"));

        answer.StatusCode.Should().Be(429);
        answer.RetryAfter.Should().Be(TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void From_Reject_Is400()
    {
        var answer = PushAnswer.From(DeliveryDecision.Reject("bucketId", "missing"));

        answer.StatusCode.Should().Be(400);
        answer.RetryAfter.Should().BeNull();
    }

    [Theory]
    [InlineData(0.0, "1")]
    [InlineData(0.2, "1")]
    [InlineData(1.0, "1")]
    [InlineData(1.5, "2")]
    [InlineData(600, "600")]
    public void RetryAfterSeconds_RoundsUpToWholeSecondsAtLeastOne(double seconds, string expected) =>
        PushAnswer.RetryAfterSeconds(TimeSpan.FromSeconds(seconds)).Should().Be(expected);
}
