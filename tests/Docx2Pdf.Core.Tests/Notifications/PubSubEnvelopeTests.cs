using System.Text;
using Docx2Pdf.Notifications;

namespace Docx2Pdf.Core.Tests.Notifications;

// The public envelope over the internal readers, on payloads captured from Google's docs and the Pub/Sub emulator.
public sealed class PubSubEnvelopeTests
{
    [Fact]
    public void ParseWrappedPush_DeadLetterBodyWithBom_CarriesDeliveryFields()
    {
        var envelope = PubSubEnvelope.ParseWrappedPush(PayloadFiles.Bytes("docs-wrapped-push-dead-letter-bom.json"));

        envelope.Subscription.Should().Be("projects/sample-project/subscriptions/with-dlq");
        envelope.DeliveryAttempt.Should().Be(3);
        envelope.MessageId.Should().Be("5");
        envelope.PublishTime.Should().Be(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));
        envelope.Attributes.Should().Contain("objectId", "folder/Test.docx").And.Contain("payloadFormat", "NONE");
        envelope.Data.IsEmpty.Should().BeTrue();
        envelope.AckId.Should().BeNull("a push has nothing to acknowledge by id");
    }

    [Fact]
    public void ParseWrappedPush_EmulatorCapture_ToStorageEventMatchesTheReader()
    {
        var body = PayloadFiles.Bytes("emulator-wrapped-push-json-api-v1.json");

        var envelope = PubSubEnvelope.ParseWrappedPush(body);

        envelope.Subscription.Should().StartWith("projects/demo-project/subscriptions/");
        envelope.Data.IsEmpty.Should().BeFalse("JSON_API_V1 carries the object resource");
        envelope.ToStorageEvent().Should().BeEquivalentTo(StorageEventReader.FromWrappedPush(body), "the envelope wraps the adapters' reader, not a second parser");
    }

    [Fact]
    public void ParseUnwrappedPush_EmulatorCapture_HeadersBecomeEnvelope()
    {
        var body = PayloadFiles.Bytes("emulator-unwrapped-push-json-api-v1.body");
        var headers = PayloadFiles.Headers("emulator-unwrapped-push-json-api-v1.headers.json");

        var envelope = PubSubEnvelope.ParseUnwrappedPush(body, headers);

        envelope.Subscription.Should().Be("projects/demo-project/subscriptions/push-unwrapped");
        envelope.MessageId.Should().Be("1");
        envelope.PublishTime.Should().Be(new DateTimeOffset(2026, 11, 27, 23, 45, 8, 476, TimeSpan.Zero));
        envelope.Attributes.Should().Contain("bucketId", "docs-in").And.NotContainKey("User-Agent", "only notification attributes are kept");
        envelope.Data.ToArray().Should().Equal(body);
        envelope.ToStorageEvent().Should().BeEquivalentTo(StorageEventReader.FromUnwrappedPush(body, headers));
    }

    [Fact]
    public void ParsePullResponse_DocsSample_EveryEntryWithAckIdAndAttempt()
    {
        var envelopes = PubSubEnvelope.ParsePullResponse(PayloadFiles.Bytes("docs-pull-response.json"));

        envelopes.Should().HaveCount(2);
        envelopes[0].AckId.Should().Be("dQNNHlAbEGEIBERNK0EPKVgUWQYyODM2LwgRHFEZDDsLRk1SK");
        envelopes[0].DeliveryAttempt.Should().Be(1);
        envelopes[0].MessageId.Should().Be("2070443601311540");
        envelopes[1].DeliveryAttempt.Should().BeNull();
        envelopes[1].Subscription.Should().BeNull("a pull response does not name the subscription");
        envelopes[0].ToStorageEvent().ObjectName.Should().Be("folder/Test.docx");
        envelopes[0].ToStorageEvent().DeliveryAttempt.Should().Be(1);
    }

    [Fact]
    public void ParsePullResponse_EmulatorCapture_ReadsObjectNames()
    {
        var envelopes = PubSubEnvelope.ParsePullResponse(PayloadFiles.Bytes("emulator-pull-response.json"));

        envelopes.Select(e => e.AckId).Should().Equal("projects/demo-project/subscriptions/pull:5", "projects/demo-project/subscriptions/pull:6");
        envelopes.Select(e => e.ToStorageEvent().ObjectName).Should().AllBe("reports/Q3 #1?.docx");
    }

    [Fact]
    public void ParsePullResponse_EmptyObject_NoMessages()
    {
        PubSubEnvelope.ParsePullResponse("{}"u8).Should().BeEmpty();
    }

    [Fact]
    public void ParsePullResponse_EntryWithoutAckId_InvalidMessageNamingTheField()
    {
        var act = () => PubSubEnvelope.ParsePullResponse(Encoding.UTF8.GetBytes("{\"receivedMessages\":[{\"message\":{\"messageId\":\"1\"}}]}"));

        act.Should().Throw<InvalidMessageException>().Which.Field.Should().Be("ackId");
    }

    [Fact]
    public void ToStorageEvent_NotANotification_InvalidMessage()
    {
        var envelope = PubSubEnvelope.ParseWrappedPush(PayloadFiles.Bytes("docs-wrapped-push-no-attributes.json"));

        var act = envelope.ToStorageEvent;

        act.Should().Throw<InvalidMessageException>();
    }
}
