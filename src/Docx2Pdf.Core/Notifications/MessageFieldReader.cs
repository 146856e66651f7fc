using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Docx2Pdf.Storage;

namespace Docx2Pdf.Notifications;

/// <summary>
/// Reads the fields of an incoming message (JSON properties, attributes, headers) strictly: every value that is not what
/// Google's wire formats send becomes an <see cref="InvalidMessageException"/> naming the field.
/// </summary>
internal static partial class MessageFieldReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Removes a UTF-8 byte-order mark and rejects an empty body. The caller bounds the size (push: its options; pull: Pub/Sub's own limit).</summary>
    public static ReadOnlySpan<byte> PrepareBody(ReadOnlySpan<byte> body, string field, string expected)
    {
        if (body.StartsWith("\uFEFF"u8))
        {
            body = body[3..];
        }

        if (body.IsEmpty || body.Trim(" \t\r\n"u8).IsEmpty)
        {
            throw new InvalidMessageException(field, $"The body is empty. Expected {expected}.");
        }

        return body;
    }

    /// <summary>Parses a JSON document from UTF-8 (after <see cref="PrepareBody"/>), naming <paramref name="field"/> on failure.</summary>
    public static JsonDocument ParseJson(ReadOnlySpan<byte> utf8, string field, string expected)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 });
        try
        {
            var document = JsonDocument.ParseValue(ref reader);
            if (reader.Read())
            {
                document.Dispose();
                throw new InvalidMessageException(field, $"{field} has content after the JSON value. Expected {expected}.");
            }

            return document;
        }
        catch (JsonException ex)
        {
            // The JsonException message carries only positions, never the content.
            throw new InvalidMessageException(field, $"{field} is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}). Expected {expected}.", ex);
        }
    }

    /// <summary>Reads an optional string property; <see langword="null"/> when absent or JSON null.</summary>
    public static string? OptionalString(JsonElement parent, string name, string field)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new InvalidMessageException(field, $"{field} must be a JSON string, not {Describe(value.ValueKind)}.");
        }

        return GetString(value, field);
    }

    /// <summary>Reads a string value, turning invalid UTF-8 or lone surrogates into an error naming the field.</summary>
    public static string GetString(JsonElement value, string field)
    {
        try
        {
            var text = value.GetString()!;
            EnsureValidUnicode(text, field);
            return text;
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidMessageException(field, $"{field} is not valid UTF-8 text.", ex);
        }
    }

    /// <summary>Throws when <paramref name="text"/> holds a lone surrogate (it could not round-trip to UTF-8).</summary>
    public static void EnsureValidUnicode(string text, string field)
    {
        try
        {
            _ = StrictUtf8.GetByteCount(text);
        }
        catch (EncoderFallbackException ex)
        {
            throw new InvalidMessageException(field, $"{field} is not valid UTF-8 text.", ex);
        }
    }

    /// <summary>Reads an optional non-negative int64 sent as a JSON string (the API's form) or a JSON number (some samples).</summary>
    public static long? OptionalInt64(JsonElement parent, string name, string field, bool positive)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => ParseInt64(GetString(value, field), field, positive),
            JsonValueKind.Number when value.TryGetInt64(out var number) => CheckRange(number, field, positive),
            _ => throw new InvalidMessageException(field, $"{field} must be a decimal integer, as a JSON string (\"1700000000000000\") or number; got {Describe(value.ValueKind)}."),
        };
    }

    /// <summary>Parses a decimal int64 from text such as an attribute or header.</summary>
    public static long ParseInt64(string text, string field, bool positive)
    {
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            throw new InvalidMessageException(field, $"{field} must be a {(positive ? "positive" : "non-negative")} decimal integer such as \"1700000000000000\"; got \"{Truncate(text)}\".");
        }

        return CheckRange(number, field, positive);
    }

    private static long CheckRange(long number, string field, bool positive) =>
        number < 0 || (positive && number == 0)
            ? throw new InvalidMessageException(field, $"{field} must be a {(positive ? "positive" : "non-negative")} decimal integer; got {number}.")
            : number;

    /// <summary>Parses an RFC 3339 timestamp ("2024-05-01T12:34:56.123456789Z"); nanoseconds are truncated to ticks.</summary>
    public static DateTimeOffset ParseTimestamp(string text, string field)
    {
        var match = Rfc3339().Match(text);
        if (match.Success)
        {
            var fraction = match.Groups["fraction"].Value;
            var normalized = match.Groups["seconds"].Value.ToUpperInvariant()
                + (fraction.Length > 0 ? "." + fraction[..Math.Min(7, fraction.Length)] : string.Empty)
                + (match.Groups["zone"].Value is "Z" or "z" ? "+00:00" : match.Groups["zone"].Value);
            if (DateTimeOffset.TryParseExact(normalized, ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", "yyyy-MM-dd'T'HH:mm:sszzz"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var result))
            {
                return result;
            }
        }

        throw new InvalidMessageException(field, $"{field} must be an RFC 3339 timestamp such as \"2024-05-01T12:34:56.789Z\"; got \"{Truncate(text)}\".");
    }

    /// <summary>Checks an object name against the rules every existing object satisfies (<see cref="CloudStorageNames.CheckExistingObjectName"/>).</summary>
    public static string CheckObjectName(string? name, string field, string expected)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new InvalidMessageException(field, $"The object name is missing. Expected {expected}.");
        }

        EnsureValidUnicode(name, field);
        return CloudStorageNames.CheckExistingObjectName(name) is { } problem
            ? throw new InvalidMessageException(field, $"The object name is not a Cloud Storage object name: {problem}.")
            : name;
    }

    /// <summary>Checks a bucket name against Cloud Storage's rules (<see cref="CloudStorageNames"/>).</summary>
    public static string CheckBucketName(string? bucket, string field, string expected)
    {
        if (string.IsNullOrEmpty(bucket))
        {
            throw new InvalidMessageException(field, $"The bucket name is missing. Expected {expected}.");
        }

        return CloudStorageNames.CheckBucketName(bucket) is { } problem
            ? throw new InvalidMessageException(field, $"\"{Truncate(bucket)}\" is not a Cloud Storage bucket name: {problem}.")
            : bucket;
    }

    /// <summary>Shortens a value quoted in an error message.</summary>
    public static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "...";

    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    [GeneratedRegex(@"^(?<seconds>\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2})(?:\.(?<fraction>\d{1,9}))?(?<zone>[Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Rfc3339();
}
