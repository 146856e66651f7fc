using System.Collections;
using System.Globalization;
using Docx2Pdf.Notifications;
using Microsoft.Extensions.Logging;

namespace Docx2Pdf.Logging;

/// <summary>
/// The logging scope of one storage event: every line logged while the event is processed carries its message id,
/// bucket, object and generation (fields in Cloud Logging's JSON; <c>IncludeScopes</c> text on the simple console).
/// </summary>
internal sealed class EventLogScope : IReadOnlyList<KeyValuePair<string, object?>>
{
    internal const string MessageIdKey = "messageId";
    internal const string BucketKey = "bucket";
    internal const string ObjectKey = "object";
    internal const string GenerationKey = "generation";

    private readonly KeyValuePair<string, object?>[] _values;

    // Escaped like every logged string (LogText): JSON keeps a line a line, but not a bidi control from reordering it.
    private EventLogScope(StorageEvent storageEvent) =>
        _values =
        [
            new(MessageIdKey, storageEvent.MessageId is null ? null : LogText.Escape(storageEvent.MessageId)),
            new(BucketKey, LogText.Escape(storageEvent.Bucket)),
            new(ObjectKey, LogText.Escape(storageEvent.ObjectName)),
            new(GenerationKey, storageEvent.Generation?.ToString(CultureInfo.InvariantCulture)),
        ];

    public int Count => _values.Length;

    public KeyValuePair<string, object?> this[int index] => _values[index];

    public static IDisposable? Begin(ILogger logger, StorageEvent storageEvent) => logger.BeginScope(new EventLogScope(storageEvent));

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_values).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    // Object names may hold line breaks: the text form is quoted so a scope cannot start a new line.
    public override string ToString() => string.Join(' ', _values.Select(v => $"{v.Key}:{JsonQuote(v.Value as string)}"));

    private static string JsonQuote(string? value) => value is null ? "-" : System.Text.Json.JsonSerializer.Serialize(value);
}
