using System.Security.Cryptography;
using System.Text;
using Docx2Pdf.Storage;

namespace Docx2Pdf.Pipeline;

/// <summary>
/// How the pipeline names what it writes (the PDF, the failure record). Object names are arbitrary UTF-8 and never file
/// paths: <c>../x.docx</c> maps to the object <c>../x.pdf</c>, and the store (not this class) guarantees no name leaves its
/// bucket. Whether a name is valid at all is <see cref="CloudStorageNames"/>'s rule.
/// </summary>
internal static class OutputNaming
{
    /// <summary>Finds the enabled extension <paramref name="objectName"/> ends with (case-insensitive), or <see langword="null"/>.</summary>
    public static string? FindExtension(string objectName, IEnumerable<string> extensions)
    {
        foreach (var extension in extensions)
        {
            // Something must precede the extension: ".docx" alone is no document name we would map to ".pdf".
            if (objectName.Length > extension.Length && objectName.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            {
                return extension;
            }
        }

        return null;
    }

    /// <summary>The default output name: prefix + the name with its matched extension replaced by <c>.pdf</c>.</summary>
    public static string DefaultOutputName(string objectName, string extension, string prefix) =>
        string.Concat(prefix, objectName.AsSpan(0, objectName.Length - extension.Length), ".pdf");

    /// <summary>
    /// The source name as object metadata can hold it: unchanged, or percent-encoded when Cloud Storage forbids it (CR, LF,
    /// invalid UTF-16), because metadata travels as HTTP headers. Records keep the exact name in their JSON.
    /// </summary>
    public static string SourceNameForMetadata(string objectName) =>
        CheckObjectName(objectName) is null ? objectName : Uri.EscapeDataString(objectName);

    /// <summary>Returns <see langword="null"/> when <paramref name="name"/> is a name Cloud Storage accepts, else why not.</summary>
    public static string? CheckObjectName(string name) => CloudStorageNames.CheckObjectName(name);

    /// <summary>
    /// Where the failure record of <paramref name="objectName"/> goes: prefix + name + <c>.json</c>, or, when that is not a valid
    /// object name (too long), prefix + <c>sha256/</c> + the hex SHA-256 of the name + <c>.json</c>. The record names the source either way.
    /// </summary>
    public static string FailureRecordName(string prefix, string objectName) => BesideFailureRecords(prefix, objectName, ".json");

    /// <summary>
    /// Where the engine-failure count of <paramref name="objectName"/> goes: like its failure record, ending
    /// <c>.engine-failures.json</c>. No failure record can have that name: records exist only for names that end with an enabled
    /// document extension, and <c>.engine-failures</c> is none.
    /// </summary>
    public static string EngineFailuresName(string prefix, string objectName) => BesideFailureRecords(prefix, objectName, ".engine-failures.json");

    private static string BesideFailureRecords(string prefix, string objectName, string suffix)
    {
        var name = string.Concat(prefix, objectName, suffix);
        if (CheckObjectName(name) is null)
        {
            return name;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(objectName));
        return string.Concat(prefix, "sha256/", Convert.ToHexStringLower(hash), suffix);
    }
}
