using System.Text.Json.Serialization;

namespace Docx2Pdf.Conversion;

// The line-delimited JSON spoken with docx2pdf_uno_helper.py: one start argument, then one request line per
// conversion on its stdin and one reply line on its stdout.

/// <summary>Start settings passed to the UNO helper as its single argument.</summary>
internal sealed record UnoHelperStart(
    [property: JsonPropertyName("soffice")] string Soffice,
    [property: JsonPropertyName("profileUrl")] string ProfileUrl,
    [property: JsonPropertyName("tmp")] string Tmp,
    [property: JsonPropertyName("pipe")] string Pipe,
    [property: JsonPropertyName("startTimeoutSeconds")] double StartTimeoutSeconds,
    [property: JsonPropertyName("addressSpaceLimitBytes")] long AddressSpaceLimitBytes = 0);

/// <summary>One conversion request, one JSON line on the helper's stdin.</summary>
internal sealed record UnoHelperRequest(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("input")] string Input,
    [property: JsonPropertyName("output")] string Output,
    [property: JsonPropertyName("filter")] string Filter,
    [property: JsonPropertyName("password")] string? Password,
    [property: JsonPropertyName("pdfVersion")] int PdfVersion,
    [property: JsonPropertyName("pageRange")] string? PageRange);

/// <summary>A line from the helper's stdout: a start event (<see cref="Event"/> set) or a conversion reply.</summary>
internal sealed record UnoHelperReply
{
    [JsonPropertyName("event")]
    public string? Event { get; init; }

    [JsonPropertyName("id")]
    public long? Id { get; init; }

    [JsonPropertyName("ok")]
    public bool Ok { get; init; }

    /// <summary>The phase that failed: <c>load</c>, <c>export</c> or <c>crashed</c>.</summary>
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

[JsonSerializable(typeof(UnoHelperStart))]
[JsonSerializable(typeof(UnoHelperRequest))]
[JsonSerializable(typeof(UnoHelperReply))]
internal sealed partial class UnoHelperJsonContext : JsonSerializerContext;
