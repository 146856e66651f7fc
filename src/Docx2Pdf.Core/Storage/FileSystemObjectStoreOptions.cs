using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.Storage;

/// <summary>Options of <see cref="FileSystemObjectStore"/>, the local-folder object store.</summary>
public sealed class FileSystemObjectStoreOptions
{
    /// <summary>
    /// The root folder; each bucket is a subfolder, created on the first write. Relative paths are resolved against
    /// the current directory. Required; the default value is empty.
    /// </summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Docx2Pdf:Storage:LocalRoot (FileSystemObjectStoreOptions.RootPath) is required: set the folder that holds one subfolder per bucket.")]
    public string RootPath { get; set; } = string.Empty;
}

/// <summary>Validates <see cref="FileSystemObjectStoreOptions"/> at start-up.</summary>
[OptionsValidator]
internal sealed partial class FileSystemObjectStoreOptionsValidator : IValidateOptions<FileSystemObjectStoreOptions>
{
}
