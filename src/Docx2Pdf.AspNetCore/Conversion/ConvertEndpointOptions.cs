namespace Docx2Pdf.AspNetCore.Conversion;

/// <summary>Settings of the synchronous convert endpoint mapped by <c>MapDocx2PdfConversion()</c>.</summary>
public sealed class ConvertEndpointOptions
{
    /// <summary>
    /// The configuration section these options bind to: <c>Docx2Pdf:Convert</c> (relative to the section passed to
    /// <c>AddDocx2Pdf(section)</c>, when one was).
    /// </summary>
    public const string SectionName = "Docx2Pdf:Convert";

    /// <summary>The largest document accepted, in bytes; larger requests are answered 413. The default value is 50 MiB (52428800).</summary>
    public long MaxRequestBodySize { get; set; } = 50L * 1024 * 1024;
}

/// <summary>Validates <see cref="ConvertEndpointOptions"/>; messages name the setting.</summary>
internal sealed class ConvertEndpointOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<ConvertEndpointOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, ConvertEndpointOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.MaxRequestBodySize is < 1 or > 4L * 1024 * 1024 * 1024
            ? Microsoft.Extensions.Options.ValidateOptionsResult.Fail($"{ConvertEndpointOptions.SectionName}:MaxRequestBodySize must be between 1 byte and 4 GiB; it is {options.MaxRequestBodySize}.")
            : Microsoft.Extensions.Options.ValidateOptionsResult.Success;
    }
}
