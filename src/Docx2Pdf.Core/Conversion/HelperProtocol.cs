using System.Text.Json.Serialization;

namespace Docx2Pdf.Conversion;

/// <summary>Start settings passed to the Python helper as its single argument.</summary>
internal sealed record HelperStart(
    [property: JsonPropertyName("soffice")] string Soffice,
    [property: JsonPropertyName("profileUrl")] string ProfileUrl,
    [property: JsonPropertyName("tmp")] string Tmp,
    [property: JsonPropertyName("pipe")] string Pipe,
    [property: JsonPropertyName("startTimeoutSeconds")] double StartTimeoutSeconds);

/// <summary>One conversion request, one JSON line on the helper's stdin.</summary>
internal sealed record HelperRequest(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("input")] string Input,
    [property: JsonPropertyName("output")] string Output,
    [property: JsonPropertyName("filter")] string Filter,
    [property: JsonPropertyName("password")] string? Password,
    [property: JsonPropertyName("pdfVersion")] int PdfVersion,
    [property: JsonPropertyName("pageRange")] string? PageRange);

/// <summary>A line from the helper's stdout: a start event or a conversion response.</summary>
internal sealed record HelperMessage
{
    [JsonPropertyName("event")]
    public string? Event { get; init; }

    [JsonPropertyName("id")]
    public long? Id { get; init; }

    [JsonPropertyName("ok")]
    public bool Ok { get; init; }

    [JsonPropertyName("error")]
    public string? Error { get; init; }

    [JsonPropertyName("message")]
    public string? Message { get; init; }

    [JsonPropertyName("engineMs")]
    public double EngineMs { get; init; }

    [JsonPropertyName("startMs")]
    public double StartMs { get; init; }

    [JsonPropertyName("pid")]
    public int Pid { get; init; }

    [JsonPropertyName("sofficePid")]
    public int SofficePid { get; init; }
}

[JsonSerializable(typeof(HelperStart))]
[JsonSerializable(typeof(HelperRequest))]
[JsonSerializable(typeof(HelperMessage))]
internal sealed partial class HelperJsonContext : JsonSerializerContext;
