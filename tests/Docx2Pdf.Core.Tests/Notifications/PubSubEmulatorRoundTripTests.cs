using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Docx2Pdf.Notifications;
using Docx2Pdf.Testing;

namespace Docx2Pdf.Core.Tests.Notifications;

/// <summary>
/// Publishes notifications exactly as Cloud Storage does through Google's Pub/Sub emulator, pulls them over REST and
/// parses what comes back: the parsers must read the real wire, not only our fixtures.
/// </summary>
[Trait("Layer", "Integration")]
public sealed class PubSubEmulatorRoundTripTests(PubSubEmulatorRoundTripTests.Emulator fixture) : IClassFixture<PubSubEmulatorRoundTripTests.Emulator>
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

    private PubSubEmulator PubSub => fixture.PubSub!;

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
        await PubSub.PublishAsync(topic, resource, Attributes(name, "OBJECT_FINALIZE", "JSON_API_V1"));

        var (message, ackId, deliveryAttempt) = PubSubMessageReader.ReadReceivedMessage(await PullOneAsync(subscription));
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
    }

    [Fact]
    public async Task Pull_SharedStorageNotificationHelper_Parses()
    {
        var (topic, subscription) = await CreateAsync();
        var messageId = await PubSub.PublishStorageNotificationAsync(topic, "docs-in", "x/y.docx", generation: 42, size: 7);

        var (message, _, deliveryAttempt) = PubSubMessageReader.ReadReceivedMessage(await PullOneAsync(subscription));
        var e = StorageEventReader.FromPubSubMessage(message, deliveryAttempt);

        (e.Bucket, e.ObjectName, e.Generation, e.Size, e.MessageId).Should().Be(("docs-in", "x/y.docx", 42L, 7L, messageId));
    }

    [Fact]
    public async Task Pull_PayloadFormatNone_ParsesAttributesOnly()
    {
        var (topic, subscription) = await CreateAsync();
        await PubSub.PublishAsync(topic, ReadOnlyMemory<byte>.Empty, Attributes("a b.docx", "OBJECT_DELETE", "NONE"));

        var (message, _, deliveryAttempt) = PubSubMessageReader.ReadReceivedMessage(await PullOneAsync(subscription));
        var e = StorageEventReader.FromPubSubMessage(message, deliveryAttempt);

        message.Data.IsEmpty.Should().BeTrue();
        (e.ObjectName, e.EventType, e.Size).Should().Be(("a b.docx", StorageEventType.Delete, (long?)null));
    }

    [Fact]
    public async Task Pull_WithDeadLetterPolicyAfterNack_DeliveryAttemptCounts()
    {
        var (topic, subscription) = await CreateAsync(maxDeliveryAttempts: 5);
        await PubSub.PublishAsync(topic, ReadOnlyMemory<byte>.Empty, Attributes("retry.docx", "OBJECT_FINALIZE", "NONE"));

        var first = PubSubMessageReader.ReadReceivedMessage(await PullOneAsync(subscription));
        using (var nack = await PubSub.Http.PostAsync(
            new Uri($"v1/{PubSubEmulator.Subscription(subscription)}:modifyAckDeadline", UriKind.Relative),
            JsonContent.Create(new { ackIds = new[] { first.AckId }, ackDeadlineSeconds = 0 })))
        {
            nack.EnsureSuccessStatusCode();
        }

        var second = PubSubMessageReader.ReadReceivedMessage(await PullOneAsync(subscription));

        StorageEventReader.FromPubSubMessage(first.Message, first.DeliveryAttempt).DeliveryAttempt.Should().Be(1);
        StorageEventReader.FromPubSubMessage(second.Message, second.DeliveryAttempt).DeliveryAttempt.Should().Be(2);
        second.Message.MessageId.Should().Be(first.Message.MessageId);
    }

    private async Task<(string Topic, string Subscription)> CreateAsync(int? maxDeliveryAttempts = null)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        await PubSub.CreateTopicAsync("gcs-" + id);
        await PubSub.CreateSubscriptionAsync("gcs-" + id, "sub-" + id, maxDeliveryAttempts: maxDeliveryAttempts);
        return ("gcs-" + id, "sub-" + id);
    }

    private async Task<JsonElement> PullOneAsync(string subscription)
    {
        var received = await Eventually.ValueAsync(
            async () =>
            {
                var messages = await PubSub.PullNowAsync(subscription, maxMessages: 1);
                return messages.Length > 0 ? messages : null;
            },
            TimeSpan.FromSeconds(60),
            $"a message on {subscription}");
        return received.Should().ContainSingle().Subject;
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

    /// <summary>One emulator for the class; killed with its process group at the end.</summary>
    public sealed class Emulator : IAsyncLifetime
    {
        public PubSubEmulator? PubSub { get; private set; }

        public async Task InitializeAsync() => PubSub = await PubSubEmulator.StartAsync();

        public async Task DisposeAsync()
        {
            if (PubSub is not null)
            {
                await PubSub.DisposeAsync();
            }
        }
    }
}
