namespace Docx2Pdf.Notifications;

/// <summary>
/// Turns every delivery shape of a Cloud Storage event into one <see cref="StorageEvent"/>: Pub/Sub notifications
/// (wrapped push, unwrapped push, pull; <c>payloadFormat</c> <c>NONE</c> or <c>JSON_API_V1</c>) and Eventarc CloudEvents
/// (binary and structured mode). Unknown event types are not errors: they come back as <see cref="StorageEventType.Unknown"/>
/// with <see cref="StorageEvent.RawEventType"/> kept, and the pipeline ignores them. Everything else that is not a valid
/// event is an <see cref="InvalidMessageException"/> whose <see cref="InvalidMessageException.Field"/> names the offending
/// field. Object names come through byte-exact; error messages may quote names but never document content.
/// </summary>
internal static partial class StorageEventReader
{
    internal const string ExpectedNotification =
        "a Cloud Storage notification: attributes eventType (OBJECT_FINALIZE, OBJECT_METADATA_UPDATE, OBJECT_DELETE or OBJECT_ARCHIVE), bucketId, objectId, objectGeneration and payloadFormat (NONE, or JSON_API_V1 with data holding the object resource JSON)";

    private static readonly string[] NotificationAttributes =
    [
        "eventType", "bucketId", "objectId", "objectGeneration", "payloadFormat", "eventTime",
        "notificationConfig", "overwroteGeneration", "overwrittenByGeneration",
    ];

    /// <summary>Maps a Cloud Storage notification event type or an Eventarc CloudEvent type to <see cref="StorageEventType"/>.</summary>
    /// <param name="rawEventType">For example <c>OBJECT_FINALIZE</c> or <c>google.cloud.storage.object.v1.finalized</c>.</param>
    /// <returns>The event type; <see cref="StorageEventType.Unknown"/> for anything else.</returns>
    public static StorageEventType MapEventType(string? rawEventType) => rawEventType switch
    {
        "OBJECT_FINALIZE" or "google.cloud.storage.object.v1.finalized" => StorageEventType.Finalize,
        "OBJECT_METADATA_UPDATE" or "google.cloud.storage.object.v1.metadataUpdated" => StorageEventType.MetadataUpdate,
        "OBJECT_DELETE" or "google.cloud.storage.object.v1.deleted" => StorageEventType.Delete,
        "OBJECT_ARCHIVE" or "google.cloud.storage.object.v1.archived" => StorageEventType.Archive,
        _ => StorageEventType.Unknown,
    };

    /// <summary>Reads a Cloud Storage notification carried by a Pub/Sub message (push or pull).</summary>
    /// <param name="message">The message, from <see cref="PubSubMessageReader"/>.</param>
    /// <param name="deliveryAttempt">Pub/Sub's delivery attempt, when the delivery carried one.</param>
    /// <returns>The event.</returns>
    /// <exception cref="InvalidMessageException">The message is not a valid Cloud Storage notification.</exception>
    public static StorageEvent FromPubSubMessage(PubSubMessage message, int? deliveryAttempt = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        return FromNotification(message, deliveryAttempt, "message.data");
    }

    /// <summary>Reads a wrapped Pub/Sub push body (the default push format) holding a Cloud Storage notification.</summary>
    /// <param name="utf8Body">The request body, UTF-8, with or without a byte-order mark; the caller bounds its size.</param>
    /// <returns>The event.</returns>
    /// <exception cref="InvalidMessageException">The body is not a push body holding a valid Cloud Storage notification.</exception>
    public static StorageEvent FromWrappedPush(ReadOnlySpan<byte> utf8Body)
    {
        var (message, _, deliveryAttempt) = PubSubMessageReader.ReadPushBody(utf8Body);
        return FromNotification(message, deliveryAttempt, "message.data");
    }

    /// <summary>
    /// Reads an unwrapped Pub/Sub push ("no wrapper" with write-metadata): the body is the raw message data, the attributes
    /// come as HTTP headers, one per attribute, plus <c>x-goog-pubsub-message-id</c>, <c>x-goog-pubsub-publish-time</c> and
    /// <c>x-goog-pubsub-subscription-name</c>. Header names match case-insensitively. The body is never form-decoded, whatever
    /// the Content-Type (the emulator sends <c>application/x-www-form-urlencoded</c>). Header values must be the header bytes
    /// decoded as UTF-8 (Kestrel's default): Pub/Sub writes attribute values, object names included, as raw UTF-8.
    /// </summary>
    /// <param name="body">The raw message data (empty with <c>payloadFormat</c> <c>NONE</c>); the caller bounds its size.</param>
    /// <param name="headers">The request headers; other headers are ignored.</param>
    /// <returns>The event.</returns>
    /// <exception cref="InvalidMessageException">The headers and body are not a valid Cloud Storage notification.</exception>
    public static StorageEvent FromUnwrappedPush(ReadOnlySpan<byte> body, IEnumerable<KeyValuePair<string, string>> headers) =>
        FromNotification(ReadUnwrappedPush(body, headers).Message, deliveryAttempt: null, dataField: "body");

    /// <summary>The message of an unwrapped push (see <see cref="FromUnwrappedPush"/>) and its subscription header, not checked as a notification.</summary>
    internal static (PubSubMessage Message, string? Subscription) ReadUnwrappedPush(ReadOnlySpan<byte> body, IEnumerable<KeyValuePair<string, string>> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);

        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        string? messageId = null;
        string? publishTime = null;
        string? subscription = null;
        foreach (var (rawName, value) in headers)
        {
            var name = rawName.Trim();
            if (name.Equals("x-goog-pubsub-subscription-name", StringComparison.OrdinalIgnoreCase))
            {
                subscription = Single(subscription, value, "x-goog-pubsub-subscription-name");
                continue;
            }

            if (name.Equals("x-goog-pubsub-message-id", StringComparison.OrdinalIgnoreCase))
            {
                messageId = Single(messageId, value, "x-goog-pubsub-message-id");
                continue;
            }

            if (name.Equals("x-goog-pubsub-publish-time", StringComparison.OrdinalIgnoreCase))
            {
                publishTime = Single(publishTime, value, "x-goog-pubsub-publish-time");
                continue;
            }

            foreach (var attribute in NotificationAttributes)
            {
                if (name.Equals(attribute, StringComparison.OrdinalIgnoreCase))
                {
                    attributes[attribute] = Single(attributes.GetValueOrDefault(attribute), value, attribute)!;
                    break;
                }
            }
        }

        var message = new PubSubMessage
        {
            Data = body.ToArray(),
            Attributes = attributes,
            MessageId = string.IsNullOrEmpty(messageId) ? null : messageId,
            PublishTime = string.IsNullOrEmpty(publishTime) ? null : MessageFieldReader.ParseTimestamp(publishTime.Trim(), "x-goog-pubsub-publish-time"),
        };
        return (message, string.IsNullOrEmpty(subscription) ? null : subscription);

        static string? Single(string? existing, string value, string field) =>
            existing is null || existing == value
                ? value
                : throw new InvalidMessageException(field, $"The header {field} appears twice with different values; a push request carries each attribute once.");
    }

    internal static StorageEvent FromNotification(PubSubMessage message, int? deliveryAttempt, string dataField)
    {
        var attributes = message.Attributes;
        var rawEventType = Attribute(attributes, "eventType")
            ?? throw new InvalidMessageException("eventType", $"The message has no eventType attribute. Expected {ExpectedNotification}.");

        var resource = Attribute(attributes, "payloadFormat") switch
        {
            "JSON_API_V1" => ObjectResource.Parse(message.Data.Span, dataField),
            "NONE" => null,

            // Without payloadFormat, data (if any) can only be the object resource: read it rather than guess it away.
            null => message.Data.IsEmpty ? null : ObjectResource.Parse(message.Data.Span, dataField),
            var other => throw new InvalidMessageException("payloadFormat", $"payloadFormat \"{MessageFieldReader.Truncate(other)}\" is not supported. Expected NONE or JSON_API_V1."),
        };

        var bucket = Reconcile(Attribute(attributes, "bucketId"), resource?.Bucket, "bucketId", "bucket");
        var objectName = Reconcile(Attribute(attributes, "objectId"), resource?.Name, "objectId", "name");
        var generationText = Attribute(attributes, "objectGeneration");
        var eventTimeText = Attribute(attributes, "eventTime");

        return new StorageEvent
        {
            Bucket = MessageFieldReader.CheckBucketName(bucket, "bucketId", ExpectedNotification),
            ObjectName = MessageFieldReader.CheckObjectName(objectName, "objectId", ExpectedNotification),
            Generation = generationText is null ? resource?.Generation : MessageFieldReader.ParseInt64(generationText, "objectGeneration", positive: true),
            EventType = MapEventType(rawEventType),
            RawEventType = rawEventType,
            Size = resource?.Size,
            ContentType = resource?.ContentType,
            ObjectMetadata = resource?.Metadata,
            MessageId = message.MessageId,
            DeliveryAttempt = deliveryAttempt,
            PublishTime = message.PublishTime,
            EventTime = eventTimeText is null ? null : MessageFieldReader.ParseTimestamp(eventTimeText, "eventTime"),
        };
    }

    private static string? Attribute(IReadOnlyDictionary<string, string> attributes, string name) =>
        attributes.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value) ? value : null;

    /// <summary>The attribute wins; a payload that names another bucket or object is contradictory, hence invalid.</summary>
    private static string? Reconcile(string? attribute, string? payload, string attributeName, string payloadName)
    {
        if (attribute is not null && !string.IsNullOrEmpty(payload) && !string.Equals(attribute, payload, StringComparison.Ordinal))
        {
            throw new InvalidMessageException(attributeName, $"The {attributeName} attribute (\"{MessageFieldReader.Truncate(attribute)}\") and the payload's {payloadName} (\"{MessageFieldReader.Truncate(payload)}\") disagree; a notification names one object.");
        }

        return attribute ?? payload;
    }
}
