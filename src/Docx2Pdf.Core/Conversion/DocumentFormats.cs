namespace Docx2Pdf.Conversion;

/// <summary>One document format this library converts: how it is named, served and imported.</summary>
/// <param name="Format">The format.</param>
/// <param name="Extension">The object-name extension, with its dot, lower case.</param>
/// <param name="MediaType">The media type, lower case.</param>
/// <param name="OtherMediaTypes">Other media types senders use for it.</param>
/// <param name="ImportFilter">The LibreOffice import filter forced for it (never guessed from content).</param>
/// <param name="EnabledByDefault">Whether it is converted when no configuration says otherwise.</param>
internal sealed record DocumentFormat(InputFormat Format, string Extension, string MediaType, string[] OtherMediaTypes, string ImportFilter, bool EnabledByDefault);

/// <summary>
/// The one table of document formats (like jodconverter's DocumentFormat registry): the extensions the pipeline accepts,
/// the media types <c>/convert</c> accepts, the import filter the converter forces, and what is enabled by default all
/// come from here.
/// </summary>
internal static class DocumentFormats
{
    public static IReadOnlyList<DocumentFormat> All { get; } =
    [
        new(InputFormat.Docx, ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", [], "MS Word 2007 XML", EnabledByDefault: true),
        new(InputFormat.Doc, ".doc", "application/msword", [], "MS Word 97", EnabledByDefault: false),
        new(InputFormat.Odt, ".odt", "application/vnd.oasis.opendocument.text", [], "writer8", EnabledByDefault: false),
        new(InputFormat.Rtf, ".rtf", "application/rtf", ["text/rtf"], "Rich Text Format", EnabledByDefault: false),
    ];

    /// <summary>The extensions, with their dots.</summary>
    public static IEnumerable<string> Extensions => All.Select(f => f.Extension);

    /// <summary>The entry of <paramref name="format"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined <see cref="InputFormat"/>.</exception>
    public static DocumentFormat Of(InputFormat format) =>
        All.FirstOrDefault(f => f.Format == format) ?? throw new ArgumentOutOfRangeException(nameof(format), format, "Not a document format this library converts.");

    /// <summary>The format an extension (with its dot, any case) names, or <see langword="null"/>.</summary>
    public static DocumentFormat? FromExtension(string? extension) =>
        All.FirstOrDefault(f => string.Equals(f.Extension, extension, StringComparison.OrdinalIgnoreCase));

    /// <summary>The format a media type (any case, no parameters) names, or <see langword="null"/>.</summary>
    public static DocumentFormat? FromMediaType(string? mediaType) =>
        mediaType is null
            ? null
            : All.FirstOrDefault(f => string.Equals(f.MediaType, mediaType, StringComparison.OrdinalIgnoreCase) ||
                                      f.OtherMediaTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase));
}
