using System.Buffers.Text;
using System.Text.Json;

namespace Docx2Pdf.Notifications;

/// <summary>
/// Reads Pub/Sub messages in the JSON shape that push (wrapped) and REST pull share. Accepts what real senders send:
/// both spellings of the id and time (<c>messageId</c>/<c>message_id</c>, <c>publishTime</c>/<c>publish_time</c>),
/// absent <c>data</c> or <c>attributes</c>, a UTF-8 byte-order mark. Anything else is an
/// <see cref="InvalidMessageException"/> whose <see cref="InvalidMessageException.Field"/> names the offending field.
/// </summary>
internal static class PubSubMessageReader
{
    internal const string ExpectedPushBody =
        "a JSON object such as {\"message\":{\"attributes\":{\"bucketId\":\"b\",\"objectId\":\"o\",\"eventType\":\"OBJECT_FINALIZE\"},\"data\":\"<base64>\",\"messageId\":\"1\",\"publishTime\":\"2024-05-01T12:34:56.789Z\"},\"subscription\":\"projects/P/subscriptions/S\"}";

    private const string ExpectedMessage =
        "a JSON object such as {\"attributes\":{\"bucketId\":\"b\",\"objectId\":\"o\"},\"data\":\"<base64>\",\"messageId\":\"1\",\"publishTime\":\"2024-05-01T12:34:56.789Z\"}";

    /// <summary>
    /// Reads one Pub/Sub message: the <c>message</c> of a push body, or <c>receivedMessages[].message</c> of a REST pull response.
    /// </summary>
    /// <param name="message">The message JSON object.</param>
    /// <returns>The message, with <c>data</c> decoded from base64.</returns>
    /// <exception cref="InvalidMessageException">The element is not a valid Pub/Sub message.</exception>
    public static PubSubMessage Read(JsonElement message) => Read(message, "message");

    /// <summary>Reads a wrapped push body: <c>{"message":{...},"subscription":"...","deliveryAttempt":N}</c>.</summary>
    /// <param name="utf8Body">The request body, UTF-8, with or without a byte-order mark; the caller bounds its size.</param>
    /// <returns>The message, the subscription name and the delivery attempt (present only with a dead-letter policy).</returns>
    /// <exception cref="InvalidMessageException">The body is empty, too large, not JSON or not a push body.</exception>
    public static (PubSubMessage Message, string? Subscription, int? DeliveryAttempt) ReadPushBody(ReadOnlySpan<byte> utf8Body)
    {
        var body = MessageFieldReader.PrepareBody(utf8Body, "body", ExpectedPushBody);
        using var document = MessageFieldReader.ParseJson(body, "body", ExpectedPushBody);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidMessageException("body", $"The body is {MessageFieldReader.Describe(root.ValueKind)}, not a push body. Expected {ExpectedPushBody}.");
        }

        if (!root.TryGetProperty("message", out var messageElement) || messageElement.ValueKind == JsonValueKind.Null)
        {
            throw new InvalidMessageException("message", $"The push body has no \"message\". Expected {ExpectedPushBody}.");
        }

        var message = Read(messageElement, "message");
        var subscription = MessageFieldReader.OptionalString(root, "subscription", "subscription");
        var deliveryAttempt = ReadDeliveryAttempt(root, "deliveryAttempt");
        return (message, subscription, deliveryAttempt);
    }

    /// <summary>
    /// Reads one entry of a REST pull response's <c>receivedMessages</c>:
    /// <c>{"ackId":"...","message":{...},"deliveryAttempt":N}</c>.
    /// </summary>
    /// <param name="receivedMessage">The entry.</param>
    /// <returns>The message, its ack id and the delivery attempt (present only with a dead-letter policy).</returns>
    /// <exception cref="InvalidMessageException">The entry has no ack id or no valid message.</exception>
    public static (PubSubMessage Message, string AckId, int? DeliveryAttempt) ReadReceivedMessage(JsonElement receivedMessage)
    {
        const string Expected = "{\"ackId\":\"...\",\"message\":{...},\"deliveryAttempt\":1}";
        if (receivedMessage.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidMessageException("receivedMessages[]", $"A received message must be a JSON object such as {Expected}.");
        }

        var ackId = MessageFieldReader.OptionalString(receivedMessage, "ackId", "ackId");
        if (string.IsNullOrEmpty(ackId))
        {
            throw new InvalidMessageException("ackId", $"The received message has no \"ackId\". Expected {Expected}.");
        }

        if (!receivedMessage.TryGetProperty("message", out var messageElement) || messageElement.ValueKind == JsonValueKind.Null)
        {
            throw new InvalidMessageException("message", $"The received message has no \"message\". Expected {Expected}.");
        }

        return (Read(messageElement, "message"), ackId, ReadDeliveryAttempt(receivedMessage, "deliveryAttempt"));
    }

    private static PubSubMessage Read(JsonElement message, string field)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidMessageException(field, $"{field} is {MessageFieldReader.Describe(message.ValueKind)}. Expected {ExpectedMessage}.");
        }

        return new PubSubMessage
        {
            Data = ReadData(message, field + ".data"),
            Attributes = ReadAttributes(message, field + ".attributes"),
            MessageId = MessageFieldReader.OptionalString(message, "messageId", field + ".messageId")
                ?? MessageFieldReader.OptionalString(message, "message_id", field + ".message_id"),
            PublishTime = ReadTime(message, "publishTime", field) ?? ReadTime(message, "publish_time", field),
            OrderingKey = MessageFieldReader.OptionalString(message, "orderingKey", field + ".orderingKey"),
        };
    }

    private static byte[] ReadData(JsonElement message, string field)
    {
        var text = MessageFieldReader.OptionalString(message, "data", field);
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        var buffer = new byte[Base64.GetMaxDecodedFromUtf8Length(text.Length)];
        if (Convert.TryFromBase64String(text, buffer, out var written))
        {
            return buffer[..written];
        }

        // The JSON mapping of protobuf bytes also allows the URL-safe alphabet, with or without padding.
        if (Base64Url.IsValid(text.AsSpan().TrimEnd('='), out _))
        {
            return Base64Url.DecodeFromChars(text.AsSpan().TrimEnd('='));
        }

        throw new InvalidMessageException(field, $"{field} is not valid base64. A Pub/Sub message carries its payload base64-encoded, for example \"data\":\"eyJuYW1lIjoiYS5kb2N4In0=\".");
    }

    private static Dictionary<string, string> ReadAttributes(JsonElement message, string field)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!message.TryGetProperty("attributes", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return attributes;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidMessageException(field, $"{field} is {MessageFieldReader.Describe(element.ValueKind)}. Expected a JSON object of strings such as {{\"bucketId\":\"b\",\"objectId\":\"o\"}}.");
        }

        foreach (var property in element.EnumerateObject())
        {
            var name = property.Name;
            var valueField = $"{field}.{name}";
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                throw new InvalidMessageException(valueField, $"Attribute values are strings; {valueField} is {MessageFieldReader.Describe(property.Value.ValueKind)}.");
            }

            attributes[name] = MessageFieldReader.GetString(property.Value, valueField);
        }

        return attributes;
    }

    private static DateTimeOffset? ReadTime(JsonElement message, string name, string field)
    {
        var text = MessageFieldReader.OptionalString(message, name, $"{field}.{name}");
        return string.IsNullOrEmpty(text) ? null : MessageFieldReader.ParseTimestamp(text, $"{field}.{name}");
    }

    private static int? ReadDeliveryAttempt(JsonElement parent, string field)
    {
        var value = MessageFieldReader.OptionalInt64(parent, "deliveryAttempt", field, positive: true);
        return value switch
        {
            null => null,
            > int.MaxValue => throw new InvalidMessageException(field, $"{field} must be a positive 32-bit integer; got {value}."),
            _ => (int)value.Value,
        };
    }
}
