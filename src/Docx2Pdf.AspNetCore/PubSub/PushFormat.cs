using Docx2Pdf.Notifications;
using Microsoft.AspNetCore.Http;

namespace Docx2Pdf.AspNetCore.PubSub;

/// <summary>The delivery shapes one route accepts.</summary>
internal enum PushFormat
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
internal static class PushFormatReader
{
    public static PushFormat Detect(HttpRequest request)
    {
        var headers = request.Headers;
        if (request.ContentType is { } contentType && contentType.StartsWith(StorageEventReader.StructuredCloudEventMediaType, StringComparison.OrdinalIgnoreCase))
        {
            return PushFormat.CloudEventStructured;
        }

        if (headers.ContainsKey("ce-specversion") || headers.ContainsKey("ce-type"))
        {
            return PushFormat.CloudEventBinary;
        }

        // Pub/Sub sends these with "no wrapper + write metadata"; the wrapped format carries them in the JSON instead.
        if (headers.ContainsKey("x-goog-pubsub-message-id") || headers.ContainsKey("x-goog-pubsub-subscription-name"))
        {
            return PushFormat.Unwrapped;
        }

        return PushFormat.Wrapped;
    }

    /// <exception cref="InvalidMessageException">The request is not a storage event in the detected shape.</exception>
    public static StorageEvent Read(PushFormat format, HttpRequest request, ReadOnlySpan<byte> body) => format switch
    {
        PushFormat.CloudEventStructured => StorageEventReader.FromStructuredCloudEvent(request.ContentType, body),
        PushFormat.CloudEventBinary => StorageEventReader.FromBinaryCloudEvent(Flatten(request.Headers), request.ContentType, body),
        PushFormat.Unwrapped => StorageEventReader.FromUnwrappedPush(body, Flatten(request.Headers)),
        _ => StorageEventReader.FromWrappedPush(body),
    };

    public static string Label(PushFormat format) => format switch
    {
        PushFormat.Wrapped => "pubsub-push",
        PushFormat.Unwrapped => "pubsub-push-unwrapped",
        PushFormat.CloudEventBinary => "cloudevent-binary",
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
