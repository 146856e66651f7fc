using System.Text;
using Docx2Pdf;
using Docx2Pdf.Conversion;
using Docx2Pdf.Storage;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The data-annotation rules of <see cref="Docx2PdfOptions"/>, source-generated.</summary>
[OptionsValidator]
internal sealed partial class Docx2PdfOptionsValidator : IValidateOptions<Docx2PdfOptions>;

/// <summary>The rules data annotations cannot say: the extension list, the prefixes, the store's cross-field rules. Ranges are attributes.</summary>
internal sealed class Docx2PdfOptionsRulesValidator : IValidateOptions<Docx2PdfOptions>
{
    public ValidateOptionsResult Validate(string? name, Docx2PdfOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ValidateOptionsResultBuilder();

        if (options.Extensions is null || options.Extensions.Count == 0)
        {
            builder.AddError("Docx2Pdf:Extensions must list at least one extension, for example .docx.");
        }
        else
        {
            foreach (var extension in options.Extensions)
            {
                if (DocumentFormats.FromExtension(extension) is null)
                {
                    builder.AddError($"Docx2Pdf:Extensions contains '{extension}'; allowed: {string.Join(", ", DocumentFormats.Extensions)} (with the leading dot).");
                }
            }
        }

        if (string.IsNullOrEmpty(options.FailurePrefix))
        {
            builder.AddError("Docx2Pdf:FailurePrefix must not be empty: failure records need a place of their own, for example docx2pdf-failures/.");
        }
        else
        {
            CheckPrefix(builder, "Docx2Pdf:FailurePrefix", options.FailurePrefix);
        }

        if (options.OutputPrefix is null)
        {
            builder.AddError("Docx2Pdf:OutputPrefix must not be null; use \"\" for none.");
        }
        else
        {
            CheckPrefix(builder, "Docx2Pdf:OutputPrefix", options.OutputPrefix);
        }

        if (options.Storage is null)
        {
            builder.AddError("Docx2Pdf:Storage must not be null.");
        }
        else if (options.Storage.CloudStorage is null)
        {
            builder.AddError("Docx2Pdf:Storage:CloudStorage must not be null.");
        }
        else if (options.Storage.Provider == StorageProvider.CloudStorage)
        {
            // The store's own cross-field rules; their messages already name the Docx2Pdf:Storage:CloudStorage path.
            builder.AddResult(new GcsObjectStoreOptionsRulesValidator().Validate(name, options.Storage.CloudStorage));
        }

        return builder.Build();
    }

    private static void CheckPrefix(ValidateOptionsResultBuilder builder, string setting, string prefix)
    {
        if (prefix.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            builder.AddError($"{setting} must not contain line breaks: Cloud Storage object names cannot.");
        }

        // Leave most of Cloud Storage's 1,024-byte name limit to the object names themselves.
        if (Encoding.UTF8.GetByteCount(prefix) > 256)
        {
            builder.AddError($"{setting} must be at most 256 UTF-8 bytes.");
        }
    }
}
