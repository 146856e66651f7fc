using Docx2Pdf.Notifications;
using Microsoft.AspNetCore.Http;

namespace Docx2Pdf.AspNetCore.PubSub;

/// <summary>The delivery shapes one route accepts.</summary>
internal enum PushShape
{
    /// <summary>Pub/Sub push, default (wrapped) format: a JSON envelope.</summary>
    Wrapped,

    /// <summary>Pub/Sub push without wrapper: raw data as body, attributes as headers.</summary>
    Unwrapped,

    /// <summary>Eventarc CloudEvent in binary mode: <c>ce-*</c> headers and the object resource as body.</summary>
    CloudEventBinary,

    /// <summary>CloudEvent in structured mode: <c>application/cloudevents+json</c>.</summary>
    CloudEventStructured,
}

/// <summary>Tells the delivery shapes apart by headers and content type, and hands the body to the right reader.</summary>
internal static class PushRequestReader
{
    public static PushShape Detect(HttpRequest request)
    {
        var headers = request.Headers;
        if (request.ContentType is { } contentType && contentType.StartsWith(StorageEventReader.StructuredCloudEventMediaType, StringComparison.OrdinalIgnoreCase))
        {
            return PushShape.CloudEventStructured;
        }

        if (headers.ContainsKey("ce-specversion") || headers.ContainsKey("ce-type"))
        {
            return PushShape.CloudEventBinary;
        }

        // Pub/Sub sends these with "no wrapper + write metadata"; the wrapped format carries them in the JSON instead.
        if (headers.ContainsKey("x-goog-pubsub-message-id") || headers.ContainsKey("x-goog-pubsub-subscription-name"))
        {
            return PushShape.Unwrapped;
        }

        return PushShape.Wrapped;
    }

    /// <exception cref="InvalidMessageException">The request is not a storage event in the detected shape.</exception>
    public static StorageEvent Read(PushShape format, HttpRequest request, ReadOnlySpan<byte> body) => format switch
    {
        PushShape.CloudEventStructured => StorageEventReader.FromStructuredCloudEvent(request.ContentType, body),
        PushShape.CloudEventBinary => StorageEventReader.FromBinaryCloudEvent(Flatten(request.Headers), request.ContentType, body),
        PushShape.Unwrapped => StorageEventReader.FromUnwrappedPush(body, Flatten(request.Headers)),
        _ => StorageEventReader.FromWrappedPush(body),
    };

    /// <summary>The message id, best effort, for the log line of a request that does not parse.</summary>
    public static string? PeekMessageId(PushShape format, HttpRequest request, ReadOnlySpan<byte> body)
    {
        switch (format)
        {
            case PushShape.Unwrapped:
                return request.Headers["x-goog-pubsub-message-id"].FirstOrDefault();
            case PushShape.CloudEventBinary:
                return request.Headers["ce-id"].FirstOrDefault();
        }

        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(body.StartsWith("\uFEFF"u8) ? body[3..] : body);
            using var document = System.Text.Json.JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != System.Text.Json.JsonValueKind.Object)
            {
                return null;
            }

            if (format == PushShape.CloudEventStructured)
            {
                return root.TryGetProperty("id", out var ceId) && ceId.ValueKind == System.Text.Json.JsonValueKind.String ? ceId.GetString() : null;
            }

            return root.TryGetProperty("message", out var message) && message.ValueKind == System.Text.Json.JsonValueKind.Object &&
                (message.TryGetProperty("messageId", out var id) || message.TryGetProperty("message_id", out id)) &&
                id.ValueKind == System.Text.Json.JsonValueKind.String
                    ? id.GetString()
                    : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    public static string Label(PushShape format) => format switch
    {
        PushShape.Wrapped => "pubsub-push",
        PushShape.Unwrapped => "pubsub-push-unwrapped",
        PushShape.CloudEventBinary => "cloudevent-binary",
        _ => "cloudevent-structured",
    };

    private static List<KeyValuePair<string, string>> Flatten(IHeaderDictionary headers)
    {
        var pairs = new List<KeyValuePair<string, string>>(headers.Count);
        foreach (var (name, values) in headers)
        {
            foreach (var value in values)
            {
                if (value is not null)
                {
                    pairs.Add(new(name, value));
                }
            }
        }

        return pairs;
    }
}
