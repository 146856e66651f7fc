using System.Text.Json;

namespace Docx2Pdf.Notifications;

/// <summary>
/// The fields this library reads from a Cloud Storage object resource (JSON API v1; Eventarc's StorageObjectData is the
/// same shape). int64 fields come as JSON strings in the real API and as numbers in some samples: both are accepted.
/// </summary>
internal sealed record ObjectResource
{
    public const string Expected =
        "a Cloud Storage object resource (the data of a JSON_API_V1 notification or of an Eventarc event) such as {\"bucket\":\"b\",\"name\":\"docs/a.docx\",\"generation\":\"1700000000000000\",\"size\":\"1234\",\"contentType\":\"application/vnd.openxmlformats-officedocument.wordprocessingml.document\",\"metadata\":{\"k\":\"v\"}}";

    public string? Bucket { get; init; }

    public string? Name { get; init; }

    public long? Generation { get; init; }

    public long? Size { get; init; }

    public string? ContentType { get; init; }

    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Parses the resource from UTF-8 JSON; <paramref name="field"/> names the payload in errors (e.g. <c>message.data</c>).</summary>
    public static ObjectResource Parse(ReadOnlySpan<byte> utf8, string field)
    {
        if (utf8.StartsWith("\uFEFF"u8))
        {
            utf8 = utf8[3..];
        }

        if (utf8.Trim(" \t\r\n"u8).IsEmpty)
        {
            throw new InvalidMessageException(field, $"{field} is empty. With payloadFormat JSON_API_V1 it must be {Expected}.");
        }

        using var document = MessageFieldReader.ParseJson(utf8, field, Expected);
        return Parse(document.RootElement, field);
    }

    /// <summary>Parses the resource from a JSON element.</summary>
    public static ObjectResource Parse(JsonElement root, string field)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidMessageException(field, $"{field} is {MessageFieldReader.Describe(root.ValueKind)}. Expected {Expected}.");
        }

        return new ObjectResource
        {
            Bucket = MessageFieldReader.OptionalString(root, "bucket", field + ".bucket"),
            Name = MessageFieldReader.OptionalString(root, "name", field + ".name"),
            Generation = MessageFieldReader.OptionalInt64(root, "generation", field + ".generation", positive: true),
            Size = MessageFieldReader.OptionalInt64(root, "size", field + ".size", positive: false),
            ContentType = MessageFieldReader.OptionalString(root, "contentType", field + ".contentType"),
            Metadata = ReadMetadata(root, field + ".metadata"),
        };
    }

    private static Dictionary<string, string>? ReadMetadata(JsonElement root, string field)
    {
        if (!root.TryGetProperty("metadata", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidMessageException(field, $"{field} is {MessageFieldReader.Describe(element.ValueKind)}. Custom metadata is a JSON object of strings such as {{\"k\":\"v\"}}.");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.String:
                    metadata[property.Name] = MessageFieldReader.GetString(property.Value, $"{field}.{property.Name}");
                    break;
                case JsonValueKind.Null:
                    // A null value means "no such key" in the JSON API (it is how a key is removed).
                    break;
                default:
                    throw new InvalidMessageException($"{field}.{property.Name}", $"Custom metadata values are strings; {field}.{property.Name} is {MessageFieldReader.Describe(property.Value.ValueKind)}.");
            }
        }

        return metadata;
    }
}
