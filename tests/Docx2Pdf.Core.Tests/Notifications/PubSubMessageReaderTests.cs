using System.Text;
using System.Text.Json;
using Docx2Pdf.Notifications;

namespace Docx2Pdf.Core.Tests.Notifications;

public sealed class PubSubMessageReaderTests
{
    [Fact]
    public void ReadPushBody_DocsBothSpellings_ReadsEveryField()
    {
        var (message, subscription, deliveryAttempt) = PubSubMessageReader.ReadPushBody(PayloadFiles.Bytes("docs-wrapped-push-both-spellings.json"));

        message.MessageId.Should().Be("4102184774039362");
        message.PublishTime.Should().Be(new DateTimeOffset(2022, 2, 15, 11, 28, 32, 942, TimeSpan.Zero));
        message.OrderingKey.Should().Be("orderxyz");
        message.Attributes.Should().Contain("eventType", "OBJECT_FINALIZE").And.Contain("objectId", "folder/Test.docx");
        Encoding.UTF8.GetString(message.Data.Span).Should().Contain("\"name\": \"folder/Test.docx\"");
        subscription.Should().Be("projects/sample-project/subscriptions/sample-subscription");
        deliveryAttempt.Should().BeNull();
    }

    [Fact]
    public void ReadPushBody_SnakeCaseOnly_ReadsIdAndNanosecondTime()
    {
        var (message, _, _) = PubSubMessageReader.ReadPushBody(PayloadFiles.Bytes("docs-wrapped-push-snake-case-numeric-int64.json"));

        message.MessageId.Should().Be("2070443601311540");
        message.PublishTime.Should().Be(new DateTimeOffset(2021, 2, 26, 19, 13, 55, TimeSpan.Zero).AddTicks(7491234));
    }

    [Fact]
    public void ReadPushBody_EmulatorWithEmptyData_DataIsEmpty()
    {
        var (message, subscription, _) = PubSubMessageReader.ReadPushBody(PayloadFiles.Bytes("emulator-wrapped-push-none.json"));

        message.Data.IsEmpty.Should().BeTrue();
        message.MessageId.Should().Be("2");
        subscription.Should().Be("projects/demo-project/subscriptions/push-wrapped");
    }

    [Fact]
    public void ReadPushBody_ByteOrderMarkAndDeadLetter_ReadsDeliveryAttempt()
    {
        var body = PayloadFiles.Bytes("docs-wrapped-push-dead-letter-bom.json");
        body.AsSpan(0, 3).ToArray().Should().Equal(0xEF, 0xBB, 0xBF);

        var (message, _, deliveryAttempt) = PubSubMessageReader.ReadPushBody(body);

        deliveryAttempt.Should().Be(3);
        message.Data.IsEmpty.Should().BeTrue();
        message.Attributes.Should().Contain("payloadFormat", "NONE");
    }

    [Fact]
    public void ReadPushBody_NoDataNoAttributes_EmptyDataAndAttributes()
    {
        var (message, _, _) = PubSubMessageReader.ReadPushBody(PayloadFiles.Bytes("docs-wrapped-push-no-attributes.json"));

        message.Attributes.Should().BeEmpty();
        message.Data.IsEmpty.Should().BeTrue();
        message.MessageId.Should().Be("136969346945");
    }

    [Fact]
    public void ReadReceivedMessage_RestPullResponse_ReadsAckIdsAndDeliveryAttempts()
    {
        using var document = JsonDocument.Parse(PayloadFiles.Bytes("docs-pull-response.json"));
        var received = document.RootElement.GetProperty("receivedMessages").EnumerateArray()
            .Select(PubSubMessageReader.ReadReceivedMessage).ToList();

        received.Should().HaveCount(2);
        received[0].AckId.Should().Be("dQNNHlAbEGEIBERNK0EPKVgUWQYyODM2LwgRHFEZDDsLRk1SK");
        received[0].DeliveryAttempt.Should().Be(1);
        received[0].Message.Data.Length.Should().BeGreaterThan(100);
        received[1].DeliveryAttempt.Should().BeNull();
        received[1].Message.MessageId.Should().Be("2070443601311541");
    }

    [Fact]
    public void Read_EmulatorPullMessage_SameAsPushMessage()
    {
        using var document = JsonDocument.Parse(PayloadFiles.Bytes("emulator-pull-response.json"));
        var pulled = document.RootElement.GetProperty("receivedMessages").EnumerateArray()
            .Select(r => PubSubMessageReader.Read(r.GetProperty("message")))
            .Single(m => m.Attributes["eventType"] == "OBJECT_FINALIZE");
        var (pushed, _, _) = PubSubMessageReader.ReadPushBody(PayloadFiles.Bytes("emulator-wrapped-push-json-api-v1.json"));

        pulled.Data.ToArray().Should().Equal(pushed.Data.ToArray());
        pulled.Attributes.Should().BeEquivalentTo(pushed.Attributes);
    }

    [Fact]
    public void Read_UrlSafeBase64WithoutPadding_Decodes()
    {
        // Protobuf's JSON mapping accepts the URL-safe alphabet too.
        using var document = JsonDocument.Parse("""{"data":"-_8"}""");

        PubSubMessageReader.Read(document.RootElement).Data.ToArray().Should().Equal(0xFB, 0xFF);
    }

    [Theory]
    [InlineData("", "body")]
    [InlineData("   \r\n", "body")]
    [InlineData("{not json", "body")]
    [InlineData("[1,2]", "body")]
    [InlineData("{} {}", "body")]
    [InlineData("{\"subscription\":\"s\"}", "message")]
    [InlineData("{\"message\":null}", "message")]
    [InlineData("{\"message\":\"text\"}", "message")]
    [InlineData("{\"message\":{\"data\":\"not base64!\"}}", "message.data")]
    [InlineData("{\"message\":{\"data\":42}}", "message.data")]
    [InlineData("{\"message\":{\"attributes\":[\"a\"]}}", "message.attributes")]
    [InlineData("{\"message\":{\"attributes\":{\"bucketId\":7}}}", "message.attributes.bucketId")]
    [InlineData("{\"message\":{\"messageId\":1}}", "message.messageId")]
    [InlineData("{\"message\":{\"publishTime\":\"yesterday\"}}", "message.publishTime")]
    [InlineData("{\"message\":{\"publish_time\":\"2024-13-45T00:00:00Z\"}}", "message.publish_time")]
    [InlineData("{\"message\":{},\"deliveryAttempt\":0}", "deliveryAttempt")]
    [InlineData("{\"message\":{},\"deliveryAttempt\":\"two\"}", "deliveryAttempt")]
    [InlineData("{\"message\":{},\"subscription\":{}}", "subscription")]
    public void ReadPushBody_Malformed_ThrowsNamingField(string body, string field)
    {
        var act = () => PubSubMessageReader.ReadPushBody(PayloadFiles.Utf8(body));

        var thrown = act.Should().Throw<InvalidMessageException>().Which;
        thrown.Field.Should().Be(field);
        thrown.Kind.Should().Be(FailureKind.InvalidMessage);
        thrown.Message.Should().NotBeNullOrWhiteSpace();
    }

    [Fact]
    public void ReadPushBody_InvalidUtf8InAttribute_ThrowsNamingAttribute()
    {
        var body = PayloadFiles.Utf8("{\"message\":{\"attributes\":{\"objectId\":\"aX\"}}}");
        body[^5] = 0xC3; // a lone UTF-8 lead byte where the X was

        var act = () => PubSubMessageReader.ReadPushBody(body);

        act.Should().Throw<InvalidMessageException>().Which.Field.Should().Be("message.attributes.objectId");
    }

    [Fact]
    public void ReadPushBody_BadBase64_MessageExplainsAndHidesData()
    {
        var secret = "document text that must not leak!!";
        var act = () => PubSubMessageReader.ReadPushBody(PayloadFiles.Utf8($"{{\"message\":{{\"data\":\"{secret}\"}}}}"));

        var thrown = act.Should().Throw<InvalidMessageException>().Which;
        thrown.Message.Should().Contain("base64").And.NotContain(secret);
    }

    [Fact]
    public void ReadReceivedMessage_NoAckId_ThrowsNamingAckId()
    {
        using var document = JsonDocument.Parse("""{"message":{"messageId":"1"}}""");

        var act = () => PubSubMessageReader.ReadReceivedMessage(document.RootElement);

        act.Should().Throw<InvalidMessageException>().Which.Field.Should().Be("ackId");
    }
}
