using System.Text.Json;
using System.Text.Json.Serialization;

namespace Docx2Pdf.Pipeline;

/// <summary>
/// The small JSON document written beside the outputs when a document can never be converted, so users can see why it has no PDF.
/// </summary>
internal sealed record FailureRecord
{
    public required string SourceBucket { get; init; }

    public required string SourceObject { get; init; }

    public required long SourceGeneration { get; init; }

    /// <summary>The failure kind's stable label (<see cref="FailureKindExtensions.ToLabel"/>).</summary>
    public required string FailureKind { get; init; }

    public required string Message { get; init; }

    public required DateTimeOffset Time { get; init; }

    public string? MessageId { get; init; }

    public int? DeliveryAttempt { get; init; }

    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, FailureRecordJsonContext.Default.FailureRecord);

    public static FailureRecord? Parse(ReadOnlySpan<byte> utf8Json) =>
        JsonSerializer.Deserialize(utf8Json, FailureRecordJsonContext.Default.FailureRecord);
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FailureRecord))]
internal sealed partial class FailureRecordJsonContext : JsonSerializerContext;
