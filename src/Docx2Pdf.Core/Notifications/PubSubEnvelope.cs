using System.Text.Json;

namespace Docx2Pdf.Notifications;

/// <summary>
/// A Pub/Sub message as it reached the host, by push (wrapped or unwrapped) or pull: its data and attributes and what Pub/Sub
/// says about the delivery. Parsed by the same internal readers the adapters use, so it accepts and rejects what they do;
/// <see cref="ToStorageEvent"/> reads the Cloud Storage notification it carries.
/// </summary>
public sealed class PubSubEnvelope
{
    private readonly PubSubMessage _message;
    private readonly string _dataField;

    private PubSubEnvelope(PubSubMessage message, string? subscription, int? deliveryAttempt, string? ackId, string dataField)
    {
        _message = message;
        _dataField = dataField;
        Subscription = subscription;
        DeliveryAttempt = deliveryAttempt;
        AckId = ackId;
    }

    /// <summary>The decoded message data (empty when absent).</summary>
    public ReadOnlyMemory<byte> Data => _message.Data;

    /// <summary>The message attributes (empty when absent). An unwrapped push carries only the Cloud Storage notification attributes.</summary>
    public IReadOnlyDictionary<string, string> Attributes => _message.Attributes;

    /// <summary>The message id, when the sender gave one.</summary>
    public string? MessageId => _message.MessageId;

    /// <summary>When Pub/Sub accepted the message, when the sender said.</summary>
    public DateTimeOffset? PublishTime => _message.PublishTime;

    /// <summary>The ordering key, if any (wrapped push and pull only).</summary>
    public string? OrderingKey => _message.OrderingKey;

    /// <summary>The delivery attempt; Pub/Sub sends it only when the subscription has a dead-letter policy.</summary>
    public int? DeliveryAttempt { get; }

    /// <summary>The subscription (<c>projects/P/subscriptions/S</c>) for push deliveries; null for pull, where the caller knows it.</summary>
    public string? Subscription { get; }

    /// <summary>The acknowledgement id of a pulled message; null for push.</summary>
    public string? AckId { get; }

    /// <summary>Parses a wrapped push body: <c>{"message":{...},"subscription":"...","deliveryAttempt":N}</c>.</summary>
    /// <param name="utf8Body">The request body, UTF-8, with or without a byte-order mark; the caller bounds its size.</param>
    /// <returns>The envelope.</returns>
    /// <exception cref="InvalidMessageException">The body is not a Pub/Sub push body.</exception>
    public static PubSubEnvelope ParseWrappedPush(ReadOnlySpan<byte> utf8Body)
    {
        var (message, subscription, deliveryAttempt) = PubSubMessageReader.ReadPushBody(utf8Body);
        return new(message, subscription, deliveryAttempt, ackId: null, "message.data");
    }

    /// <summary>
    /// Parses an unwrapped push ("no wrapper" with write-metadata): the body is the message data; the notification attributes,
    /// <c>x-goog-pubsub-message-id</c>, <c>x-goog-pubsub-publish-time</c> and <c>x-goog-pubsub-subscription-name</c> come as headers.
    /// </summary>
    /// <param name="body">The raw message data; the caller bounds its size.</param>
    /// <param name="headers">The request headers (names match case-insensitively; values decoded as UTF-8).</param>
    /// <returns>The envelope.</returns>
    /// <exception cref="InvalidMessageException">A header appears twice with different values, or the publish time is not a timestamp.</exception>
    public static PubSubEnvelope ParseUnwrappedPush(ReadOnlySpan<byte> body, IEnumerable<KeyValuePair<string, string>> headers)
    {
        var (message, subscription) = StorageEventReader.ReadUnwrappedPush(body, headers);
        return new(message, subscription, deliveryAttempt: null, ackId: null, "body");
    }

    /// <summary>Parses the answer of the REST <c>pull</c> call: <c>{"receivedMessages":[{"ackId":"...","message":{...}}]}</c>.</summary>
    /// <param name="utf8Body">The response body, UTF-8; an empty object means no messages.</param>
    /// <returns>The envelopes, in the order received, each with its <see cref="AckId"/>.</returns>
    /// <exception cref="InvalidMessageException">The body or an entry is not a pull response.</exception>
    public static IReadOnlyList<PubSubEnvelope> ParsePullResponse(ReadOnlySpan<byte> utf8Body)
    {
        const string Expected = "a JSON object such as {\"receivedMessages\":[{\"ackId\":\"...\",\"message\":{...}}]}";
        var body = MessageFieldReader.PrepareBody(utf8Body, "body", Expected);
        using var document = MessageFieldReader.ParseJson(body, "body", Expected);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidMessageException("body", $"The body is not {Expected}.");
        }

        if (!root.TryGetProperty("receivedMessages", out var received) || received.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (received.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidMessageException("receivedMessages", $"receivedMessages is not an array. Expected {Expected}.");
        }

        var envelopes = new List<PubSubEnvelope>(received.GetArrayLength());
        foreach (var entry in received.EnumerateArray())
        {
            var (message, ackId, deliveryAttempt) = PubSubMessageReader.ReadReceivedMessage(entry);
            envelopes.Add(new(message, subscription: null, deliveryAttempt, ackId, "message.data"));
        }

        return envelopes;
    }

    /// <summary>Reads the Cloud Storage notification the message carries.</summary>
    /// <returns>The event, with this envelope's message id, publish time and delivery attempt.</returns>
    /// <exception cref="InvalidMessageException">The message is not a valid Cloud Storage notification.</exception>
    public StorageEvent ToStorageEvent() => StorageEventReader.FromNotification(_message, DeliveryAttempt, _dataField);
}
