using System.Text.Json;
using Docx2Pdf.Notifications;

namespace Docx2Pdf.PubSub.Pull;

/// <summary>Turns a pulled message into a <see cref="StorageEvent"/> with the shared readers of Docx2Pdf.Core.</summary>
internal static class ReceivedMessageDecoder
{
    /// <summary>The message id, best effort, for logs about messages that do not parse.</summary>
    public static string? PeekMessageId(ReceivedMessage received) =>
        received.Message.ValueKind == JsonValueKind.Object
        && (received.Message.TryGetProperty("messageId", out var id) || received.Message.TryGetProperty("message_id", out id))
        && id.ValueKind == JsonValueKind.String
            ? id.GetString()
            : null;

    /// <exception cref="InvalidMessageException">The message is not a Cloud Storage notification; it never will be.</exception>
    public static StorageEvent Decode(ReceivedMessage received)
    {
        var message = PubSubMessageReader.Read(received.Message);
        return StorageEventReader.FromPubSubMessage(message, received.DeliveryAttempt);
    }
}
