using System.Globalization;
using System.Text.Json;
using Docx2Pdf.Notifications;

namespace Docx2Pdf.PubSub.Pull;

/// <summary>Turns a pulled message into a <see cref="StorageEvent"/>; throws <see cref="InvalidMessageException"/>.</summary>
internal static class ReceivedMessageDecoder
{
    /// <summary>The message id, best effort, for logs about messages that do not parse.</summary>
    public static string? PeekMessageId(ReceivedMessage received) =>
        received.Message.ValueKind == JsonValueKind.Object
        && (received.Message.TryGetProperty("messageId", out var id) || received.Message.TryGetProperty("message_id", out id))
        && id.ValueKind == JsonValueKind.String
            ? id.GetString()
            : null;

    public static StorageEvent Decode(ReceivedMessage received)
    {
        // TEMPORARY until feat/events lands (PubSubMessageReader / StorageEventReader in Docx2Pdf.Core).
        var m = received.Message;
        if (m.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidMessageException("message", "The message is not a JSON object.");
        }

        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (m.TryGetProperty("attributes", out var a) && a.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in a.EnumerateObject())
            {
                attributes[p.Name] = p.Value.GetString() ?? string.Empty;
            }
        }

        string Attr(string name) => attributes.TryGetValue(name, out var v) && v.Length > 0
            ? v
            : throw new InvalidMessageException(name, $"The attribute {name} is missing.");

        long? generation = attributes.TryGetValue("objectGeneration", out var g)
            ? long.TryParse(g, NumberStyles.None, CultureInfo.InvariantCulture, out var gen) ? gen : throw new InvalidMessageException("objectGeneration", "Not a number.")
            : null;
        var type = Attr("eventType");
        return new StorageEvent
        {
            Bucket = Attr("bucketId"),
            ObjectName = Attr("objectId"),
            Generation = generation,
            RawEventType = type,
            EventType = type switch
            {
                "OBJECT_FINALIZE" => StorageEventType.Finalize,
                "OBJECT_DELETE" => StorageEventType.Delete,
                "OBJECT_ARCHIVE" => StorageEventType.Archive,
                _ => StorageEventType.Unknown,
            },
            MessageId = PeekMessageId(received),
            DeliveryAttempt = received.DeliveryAttempt,
        };
    }
}
