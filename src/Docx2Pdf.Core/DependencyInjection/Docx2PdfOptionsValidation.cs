using System.Text;
using Docx2Pdf;
using Docx2Pdf.Conversion;
using Docx2Pdf.Storage;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The data-annotation rules of <see cref="Docx2PdfOptions"/>, source-generated.</summary>
[OptionsValidator]
internal sealed partial class Docx2PdfOptionsValidator : IValidateOptions<Docx2PdfOptions>;

/// <summary>The rules data annotations cannot say: the extension list, the prefixes, the loop guard.</summary>
internal sealed class Docx2PdfOptionsRulesValidator : IValidateOptions<Docx2PdfOptions>
{
    private static readonly TimeSpan MaxRetryAgeLimit = TimeSpan.FromDays(31);

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

        // Ranges live here rather than in [Range]: the generated validator words its own message, without the setting's path.
        if (options.MaxDocumentBytes < 1)
        {
            builder.AddError("Docx2Pdf:MaxDocumentBytes must be at least 1.");
        }

        if (options.MaxDeliveryAttempts < 1)
        {
            builder.AddError("Docx2Pdf:MaxDeliveryAttempts must be at least 1.");
        }

        if (options.MaxEngineFailures is < 1 or > 100)
        {
            builder.AddError($"Docx2Pdf:MaxEngineFailures must be between 1 and 100, for example 2; it is {options.MaxEngineFailures}.");
        }

        if (options.MaxRetryAge <= TimeSpan.Zero || options.MaxRetryAge > MaxRetryAgeLimit)
        {
            builder.AddError($"Docx2Pdf:MaxRetryAge must be positive and at most 31 days (Pub/Sub keeps messages at most that long), for example 1.00:00:00 (one day); it is {options.MaxRetryAge}.");
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
