namespace Docx2Pdf.Notifications;

/// <summary>What happened to an object. Only <see cref="Finalize"/> starts a conversion.</summary>
public enum StorageEventType
{
    /// <summary>An event type this library does not know.</summary>
    Unknown,

    /// <summary>A new object or a new generation was written (<c>OBJECT_FINALIZE</c>, <c>google.cloud.storage.object.v1.finalized</c>).</summary>
    Finalize,

    /// <summary>An object's metadata changed (<c>OBJECT_METADATA_UPDATE</c>).</summary>
    MetadataUpdate,

    /// <summary>An object was deleted or overwritten (<c>OBJECT_DELETE</c>).</summary>
    Delete,

    /// <summary>A live version became noncurrent (<c>OBJECT_ARCHIVE</c>).</summary>
    Archive,
}

/// <summary>One Cloud Storage event, whichever way it was delivered (Pub/Sub push or pull, Eventarc).</summary>
public sealed record StorageEvent
{
    /// <summary>The bucket.</summary>
    public required string Bucket { get; init; }

    /// <summary>The object name, as sent (arbitrary UTF-8, never a path).</summary>
    public required string ObjectName { get; init; }

    /// <summary>The object generation the event is about, when the sender said.</summary>
    public long? Generation { get; init; }

    /// <summary>What happened.</summary>
    public required StorageEventType EventType { get; init; }

    /// <summary>The event type exactly as sent (for logs of unknown types).</summary>
    public string? RawEventType { get; init; }

    /// <summary>The object size in bytes, when the payload carried it.</summary>
    public long? Size { get; init; }

    /// <summary>The object's content type, when the payload carried it.</summary>
    public string? ContentType { get; init; }

    /// <summary>The object's custom metadata, when the payload carried it.</summary>
    public IReadOnlyDictionary<string, string>? ObjectMetadata { get; init; }

    /// <summary>The Pub/Sub message id or CloudEvent id.</summary>
    public string? MessageId { get; init; }

    /// <summary>Pub/Sub's delivery attempt (1 on first delivery), present only with a dead-letter policy.</summary>
    public int? DeliveryAttempt { get; init; }

    /// <summary>When Pub/Sub accepted the message (or the CloudEvent's time).</summary>
    public DateTimeOffset? PublishTime { get; init; }

    /// <summary>When the storage event happened, when the sender said.</summary>
    public DateTimeOffset? EventTime { get; init; }
}

/// <summary>A Pub/Sub message as delivered by push (wrapped) or pull: the same JSON shape in both.</summary>
internal sealed record PubSubMessage
{
    /// <summary>The decoded <c>data</c> (empty when absent).</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>The attributes (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();

    /// <summary>The message id (<c>messageId</c> or <c>message_id</c>).</summary>
    public string? MessageId { get; init; }

    /// <summary>The publish time (<c>publishTime</c> or <c>publish_time</c>).</summary>
    public DateTimeOffset? PublishTime { get; init; }

    /// <summary>The ordering key, if any.</summary>
    public string? OrderingKey { get; init; }
}
