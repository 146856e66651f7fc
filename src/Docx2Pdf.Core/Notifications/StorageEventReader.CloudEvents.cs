using System.Net.Http.Headers;
using System.Net.Mime;
using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;

namespace Docx2Pdf.Notifications;

internal static partial class StorageEventReader
{
    /// <summary>The media type of a structured-mode CloudEvent.</summary>
    public const string StructuredCloudEventMediaType = "application/cloudevents+json";

    private const string SourcePrefix = "//storage.googleapis.com/projects/_/buckets/";
    private const string SubjectPrefix = "objects/";

    private const string ExpectedCloudEvent =
        "an Eventarc Cloud Storage event: type google.cloud.storage.object.v1.finalized (or deleted, archived, metadataUpdated), source //storage.googleapis.com/projects/_/buckets/{bucket}, subject objects/{name}, data = the object resource JSON";

    private const string ExpectedStructured =
        "a CloudEvent in structured mode (Content-Type application/cloudevents+json) such as {\"specversion\":\"1.0\",\"id\":\"1\",\"type\":\"google.cloud.storage.object.v1.finalized\",\"source\":\"//storage.googleapis.com/projects/_/buckets/b\",\"subject\":\"objects/a.docx\",\"data\":{\"bucket\":\"b\",\"name\":\"a.docx\",\"generation\":\"1\"}}";

    private static readonly JsonEventFormatter Formatter = new();

    /// <summary>Reads an Eventarc Cloud Storage CloudEvent.</summary>
    /// <param name="cloudEvent">The event; its data is the object resource (StorageObjectData) as JSON: a <see cref="JsonElement"/>,
    /// UTF-8 bytes or a string.</param>
    /// <returns>The event; <see cref="StorageEvent.PublishTime"/> and <see cref="StorageEvent.EventTime"/> are the CloudEvent's time.</returns>
    /// <exception cref="InvalidMessageException">The CloudEvent is not a valid Cloud Storage event; fields are named
    /// <c>type</c>, <c>source</c>, <c>subject</c>, <c>data</c>, <c>data.generation</c>...</exception>
    public static StorageEvent FromCloudEvent(CloudEvent cloudEvent)
    {
        ArgumentNullException.ThrowIfNull(cloudEvent);
        var rawType = cloudEvent.Type;
        if (string.IsNullOrEmpty(rawType))
        {
            throw new InvalidMessageException("type", $"The CloudEvent has no type. Expected {ExpectedCloudEvent}.");
        }

        var resource = cloudEvent.Data switch
        {
            null => null,
            JsonElement { ValueKind: JsonValueKind.Undefined or JsonValueKind.Null } => null,
            JsonElement element => ObjectResource.Parse(element, "data"),
            byte[] { Length: 0 } => null,
            byte[] bytes => ObjectResource.Parse(bytes, "data"),
            ReadOnlyMemory<byte> memory => memory.IsEmpty ? null : ObjectResource.Parse(memory.Span, "data"),
            string text => text.Length == 0 ? null : ObjectResource.Parse(Encoding.UTF8.GetBytes(text), "data"),
            var other => throw new InvalidMessageException("data", $"The CloudEvent data is a {other.GetType().Name}; expected JSON ({ObjectResource.Expected})."),
        };

        string? sourceBucket = null;
        var source = cloudEvent.Source?.OriginalString;
        if (source is not null)
        {
            if (!source.StartsWith(SourcePrefix, StringComparison.Ordinal) || source.Length == SourcePrefix.Length || source.IndexOf('/', SourcePrefix.Length) >= 0)
            {
                throw new InvalidMessageException("source", $"The CloudEvent source \"{MessageFieldReader.Truncate(source)}\" is not a Cloud Storage bucket. Expected {ExpectedCloudEvent}.");
            }

            sourceBucket = source[SourcePrefix.Length..];
        }

        string? subjectName = null;
        if (!string.IsNullOrEmpty(cloudEvent.Subject))
        {
            if (!cloudEvent.Subject.StartsWith(SubjectPrefix, StringComparison.Ordinal))
            {
                throw new InvalidMessageException("subject", $"The CloudEvent subject \"{MessageFieldReader.Truncate(cloudEvent.Subject)}\" does not name an object. Expected {ExpectedCloudEvent}.");
            }

            subjectName = cloudEvent.Subject[SubjectPrefix.Length..];
        }

        var bucket = Reconcile(sourceBucket, resource?.Bucket, "source", "bucket");
        var objectName = Reconcile(subjectName, resource?.Name, "subject", "name");

        return new StorageEvent
        {
            Bucket = MessageFieldReader.CheckBucketName(bucket, "source", ExpectedCloudEvent),
            ObjectName = MessageFieldReader.CheckObjectName(objectName, "subject", ExpectedCloudEvent),
            Generation = resource?.Generation,
            EventType = MapEventType(rawType),
            RawEventType = rawType,
            Size = resource?.Size,
            ContentType = resource?.ContentType,
            ObjectMetadata = resource?.Metadata,
            MessageId = cloudEvent.Id,
            PublishTime = cloudEvent.Time,
            EventTime = cloudEvent.Time,
        };
    }

    /// <summary>Reads a structured-mode CloudEvent (<c>application/cloudevents+json</c>) holding a Cloud Storage event.</summary>
    /// <param name="body">The request body, UTF-8, with or without a byte-order mark.</param>
    /// <returns>The event.</returns>
    /// <exception cref="InvalidMessageException">The body is not a valid structured CloudEvent for Cloud Storage.</exception>
    public static StorageEvent FromStructuredCloudEvent(ReadOnlySpan<byte> body) => FromStructuredCloudEvent(StructuredCloudEventMediaType, body);

    /// <summary>Reads a structured-mode CloudEvent after checking the request's Content-Type.</summary>
    /// <param name="contentType">The request's Content-Type; must be <c>application/cloudevents+json</c> (batches are not accepted).</param>
    /// <param name="body">The request body.</param>
    /// <returns>The event.</returns>
    /// <exception cref="InvalidMessageException">Wrong Content-Type (field <c>Content-Type</c>) or an invalid event.</exception>
    public static StorageEvent FromStructuredCloudEvent(string? contentType, ReadOnlySpan<byte> body)
    {
        var mediaType = ParseMediaType(contentType);
        if (!string.Equals(mediaType?.MediaType, StructuredCloudEventMediaType, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidMessageException("Content-Type", $"Content-Type \"{MessageFieldReader.Truncate(contentType ?? string.Empty)}\" is not a structured CloudEvent. Expected Content-Type {StructuredCloudEventMediaType} (one event, not a batch).");
        }

        if (mediaType!.CharSet is { Length: > 0 } charset && !charset.Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidMessageException("Content-Type", $"charset \"{MessageFieldReader.Truncate(charset)}\" is not supported. CloudEvents JSON is UTF-8.");
        }

        var utf8 = MessageFieldReader.PrepareBody(body, "body", ExpectedStructured);
        using (var document = MessageFieldReader.ParseJson(utf8, "body", ExpectedStructured))
        {
            // Checked here so that the error names the field; the SDK's messages do not.
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidMessageException("body", $"The body is {MessageFieldReader.Describe(root.ValueKind)}. Expected {ExpectedStructured}.");
            }

            foreach (var required in (ReadOnlySpan<string>)["specversion", "id", "source", "type"])
            {
                if (string.IsNullOrEmpty(MessageFieldReader.OptionalString(root, required, required)))
                {
                    throw new InvalidMessageException(required, $"The CloudEvent has no \"{required}\". Expected {ExpectedStructured}.");
                }
            }
        }

        CloudEvent cloudEvent;
        try
        {
            cloudEvent = Formatter.DecodeStructuredModeMessage(utf8.ToArray(), new ContentType(StructuredCloudEventMediaType), extensionAttributes: null);
        }
        catch (Exception ex) when (ex is ArgumentException or JsonException or FormatException or InvalidOperationException)
        {
            throw new InvalidMessageException("body", $"The body is not a valid CloudEvent: {ex.Message} Expected {ExpectedStructured}.", ex);
        }

        return FromCloudEvent(cloudEvent);
    }

    /// <summary>
    /// Reads a binary-mode CloudEvent (how Eventarc delivers): the attributes are <c>ce-*</c> headers (names case-insensitive,
    /// values percent-decoded as the CloudEvents HTTP binding says), the body is the object resource JSON. A request whose
    /// Content-Type is <c>application/cloudevents+json</c> is read as structured mode instead.
    /// </summary>
    /// <param name="headers">The request headers; headers other than <c>ce-*</c> are ignored.</param>
    /// <param name="contentType">The request's Content-Type (the event's datacontenttype); JSON or absent.</param>
    /// <param name="body">The request body.</param>
    /// <returns>The event.</returns>
    /// <exception cref="InvalidMessageException">The request is not a valid CloudEvent for Cloud Storage; header fields are
    /// named as headers (<c>ce-type</c>, <c>ce-source</c>...), content fields as in <see cref="FromCloudEvent"/>.</exception>
    public static StorageEvent FromBinaryCloudEvent(IEnumerable<KeyValuePair<string, string>> headers, string? contentType, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var mediaType = ParseMediaType(contentType);
        if (string.Equals(mediaType?.MediaType, StructuredCloudEventMediaType, StringComparison.OrdinalIgnoreCase))
        {
            return FromStructuredCloudEvent(contentType, body);
        }

        if (string.Equals(mediaType?.MediaType, "application/cloudevents-batch+json", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidMessageException("Content-Type", $"CloudEvent batches are not accepted. Send one event per request, binary mode (application/json with ce-* headers) or structured mode ({StructuredCloudEventMediaType}).");
        }

        if (!string.IsNullOrWhiteSpace(contentType) && !IsJson(mediaType))
        {
            throw new InvalidMessageException("Content-Type", $"Content-Type \"{MessageFieldReader.Truncate(contentType)}\" is not JSON. A binary-mode Cloud Storage CloudEvent carries the object resource as application/json; a structured one is {StructuredCloudEventMediaType}.");
        }

        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (rawName, value) in headers)
        {
            var name = rawName.Trim();
            if (name.Length <= 3 || !name.StartsWith("ce-", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var attribute = name[3..].ToLowerInvariant();
            var decoded = Uri.UnescapeDataString(value);
            if (attributes.TryGetValue(attribute, out var existing) && existing != decoded)
            {
                throw new InvalidMessageException(name.ToLowerInvariant(), $"The header {name} appears twice with different values.");
            }

            attributes[attribute] = decoded;
        }

        var specVersionId = attributes.GetValueOrDefault("specversion");
        var specVersion = string.IsNullOrEmpty(specVersionId) ? null : CloudEventsSpecVersion.FromVersionId(specVersionId);
        if (specVersion is null)
        {
            throw new InvalidMessageException("ce-specversion", $"ce-specversion is \"{MessageFieldReader.Truncate(specVersionId ?? string.Empty)}\"; expected 1.0. Binary-mode CloudEvents carry ce-specversion, ce-id, ce-source, ce-type (and for Cloud Storage ce-subject) headers.");
        }

        var cloudEvent = new CloudEvent(specVersion);
        foreach (var (name, value) in attributes)
        {
            if (name == "specversion" || !name.All(char.IsAsciiLetterOrDigit))
            {
                // Not a CloudEvents attribute name (the spec allows only a-z and 0-9): an ordinary header.
                continue;
            }

            try
            {
                cloudEvent.SetAttributeFromString(name, value);
            }
            catch (ArgumentException ex)
            {
                throw new InvalidMessageException("ce-" + name, $"ce-{name} is not valid: {ex.Message}", ex);
            }
        }

        foreach (var required in (ReadOnlySpan<string>)["id", "source", "type"])
        {
            if (cloudEvent[required] is null)
            {
                throw new InvalidMessageException("ce-" + required, $"The ce-{required} header is missing. Expected {ExpectedCloudEvent}.");
            }
        }

        if (!string.IsNullOrWhiteSpace(contentType))
        {
            cloudEvent.DataContentType = contentType;
        }

        // The body is handed over as bytes: FromCloudEvent parses it and names fields precisely.
        cloudEvent.Data = body.IsEmpty ? null : body.ToArray();
        return FromCloudEvent(cloudEvent);
    }

    private static MediaTypeHeaderValue? ParseMediaType(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed : null;

    private static bool IsJson(MediaTypeHeaderValue? mediaType) =>
        mediaType?.MediaType is { } value
        && (value.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || value.EndsWith("+json", StringComparison.OrdinalIgnoreCase)
            || value.Equals("text/json", StringComparison.OrdinalIgnoreCase));
}
