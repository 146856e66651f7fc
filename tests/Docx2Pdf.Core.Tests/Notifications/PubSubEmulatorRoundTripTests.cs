using System.Text;
using System.Text.Json;
using Docx2Pdf.Notifications;

namespace Docx2Pdf.Core.Tests.Notifications;

/// <summary>
/// Publishes notifications exactly as Cloud Storage does through Google's Pub/Sub emulator, pulls them over REST and
/// parses what comes back: the parsers must read the real wire, not only our fixtures.
/// </summary>
public sealed class PubSubEmulatorRoundTripTests(PubSubEmulator emulator) : IClassFixture<PubSubEmulator>
{
    public static TheoryData<string> Names =>
    [
        "plain.docx",
        "reports/Q3 #1?.docx",
        "line1\nline2.docx",
        "../../escape.docx",
        "отчёты/年报 2024 😀.docx",
        "%2F encoded\\back slash .docx",
        new string('名', 341) + "a", // 1024 UTF-8 bytes
    ];

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Pull_JsonApiV1Notification_ParsesByteExact(string name)
    {
        var (topic, subscription) = await CreateAsync();
        var resource = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["kind"] = "storage#object",
            ["name"] = name,
            ["bucket"] = "docs-in",
            ["generation"] = "1716471258123456",
            ["metageneration"] = "1",
            ["size"] = "48213",
            ["contentType"] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ["metadata"] = new Dictionary<string, string> { ["owner"] = "finance" },
        });
        await emulator.PublishAsync(topic, Attributes(name, "OBJECT_FINALIZE", "JSON_API_V1"), resource);

        var received = Assert.Single(await emulator.PullAsync(subscription, 1));
        var (message, ackId, deliveryAttempt) = PubSubMessageReader.ReadReceivedMessage(received);
        var e = StorageEventReader.FromPubSubMessage(message, deliveryAttempt);

        Encoding.UTF8.GetBytes(e.ObjectName).Should().Equal(Encoding.UTF8.GetBytes(name));
        e.Bucket.Should().Be("docs-in");
        e.Generation.Should().Be(1716471258123456);
        e.EventType.Should().Be(StorageEventType.Finalize);
        e.Size.Should().Be(48213);
        e.ObjectMetadata.Should().Contain("owner", "finance");
        e.MessageId.Should().NotBeNullOrEmpty();
        e.PublishTime.Should().NotBeNull();
        ackId.Should().NotBeNullOrEmpty();
        await emulator.AcknowledgeAsync(subscription, [ackId]);
    }

    [Fact]
    public async Task Pull_PayloadFormatNone_ParsesAttributesOnly()
    {
        var (topic, subscription) = await CreateAsync();
        await emulator.PublishAsync(topic, Attributes("a b.docx", "OBJECT_DELETE", "NONE"), data: null);

        var (message, _, deliveryAttempt) = PubSubMessageReader.ReadReceivedMessage(Assert.Single(await emulator.PullAsync(subscription, 1)));
        var e = StorageEventReader.FromPubSubMessage(message, deliveryAttempt);

        message.Data.IsEmpty.Should().BeTrue();
        (e.ObjectName, e.EventType, e.Size).Should().Be(("a b.docx", StorageEventType.Delete, (long?)null));
    }

    [Fact]
    public async Task Pull_WithDeadLetterPolicyAfterNack_DeliveryAttemptCounts()
    {
        var (topic, subscription) = await CreateAsync(deadLetter: true);
        await emulator.PublishAsync(topic, Attributes("retry.docx", "OBJECT_FINALIZE", "NONE"), data: null);

        var first = PubSubMessageReader.ReadReceivedMessage(Assert.Single(await emulator.PullAsync(subscription, 1)));
        await emulator.NackAsync(subscription, [first.AckId]);
        var second = PubSubMessageReader.ReadReceivedMessage(Assert.Single(await emulator.PullAsync(subscription, 1)));

        StorageEventReader.FromPubSubMessage(first.Message, first.DeliveryAttempt).DeliveryAttempt.Should().Be(1);
        StorageEventReader.FromPubSubMessage(second.Message, second.DeliveryAttempt).DeliveryAttempt.Should().Be(2);
        second.Message.MessageId.Should().Be(first.Message.MessageId);
    }

    private async Task<(string Topic, string Subscription)> CreateAsync(bool deadLetter = false)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        var topic = "gcs-" + id;
        await emulator.CreateTopicAsync(topic);
        object? policy = null;
        if (deadLetter)
        {
            await emulator.CreateTopicAsync(topic + "-dlq");
            policy = new { deadLetterTopic = $"projects/{PubSubEmulator.Project}/topics/{topic}-dlq", maxDeliveryAttempts = 5 };
        }

        await emulator.CreateSubscriptionAsync(topic, "sub-" + id, policy);
        return (topic, "sub-" + id);
    }

    private static Dictionary<string, string> Attributes(string name, string eventType, string payloadFormat) => new()
    {
        ["notificationConfig"] = "projects/_/buckets/docs-in/notificationConfigs/1",
        ["eventType"] = eventType,
        ["payloadFormat"] = payloadFormat,
        ["bucketId"] = "docs-in",
        ["objectId"] = name,
        ["objectGeneration"] = "1716471258123456",
        ["eventTime"] = "2024-05-23T13:34:18.131Z",
    };
}
