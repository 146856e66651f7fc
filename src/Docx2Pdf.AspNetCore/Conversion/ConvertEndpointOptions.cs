using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.AspNetCore.Conversion;

/// <summary>Settings of the synchronous convert endpoint mapped by <c>MapDocx2PdfConversion()</c>.</summary>
public sealed class ConvertEndpointOptions
{
    /// <summary>
    /// The configuration section these options bind to: <c>Docx2Pdf:Convert</c> (relative to the section passed to
    /// <c>AddDocx2Pdf(section)</c>, when one was).
    /// </summary>
    public const string SectionName = "Docx2Pdf:Convert";

    /// <summary>The largest document accepted, in bytes (1 byte to 4 GiB); larger requests are answered 413. The default value is 50 MiB (52428800).</summary>
    [SettingRange(typeof(long), "1", "4294967296", ErrorMessage = "Docx2Pdf:Convert:MaxRequestBodySize must be between 1 byte and 4 GiB (4294967296).")]
    public long MaxRequestBodySize { get; set; } = 50L * 1024 * 1024;
}

/// <summary>The data-annotation rules of <see cref="ConvertEndpointOptions"/>, source-generated; it has no cross-field rules.</summary>
[OptionsValidator]
internal sealed partial class ConvertEndpointOptionsValidator : IValidateOptions<ConvertEndpointOptions>;
