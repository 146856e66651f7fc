using System.Security.Cryptography;
using System.Text;

namespace Docx2Pdf.Pipeline;

/// <summary>
/// Object-name rules of the pipeline. Object names are arbitrary UTF-8 and never file paths: <c>../x.docx</c> maps to the
/// object <c>../x.pdf</c>, and the store (not this class) guarantees no name leaves its bucket.
/// </summary>
internal static class OutputNaming
{
    /// <summary>Cloud Storage's limit on an object name, in UTF-8 bytes.</summary>
    public const int MaxObjectNameBytes = 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

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
    /// Checks that <paramref name="name"/> is a name Cloud Storage accepts: valid Unicode, 1 to 1,024 UTF-8 bytes,
    /// no carriage return or line feed. Returns <see langword="null"/> when it is, else why not.
    /// </summary>
    public static string? CheckObjectName(string name)
    {
        if (name.Length == 0)
        {
            return "the name is empty";
        }

        if (name.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            return "the name contains a line break, which Cloud Storage does not allow in object names";
        }

        int bytes;
        try
        {
            bytes = StrictUtf8.GetByteCount(name);
        }
        catch (EncoderFallbackException)
        {
            return "the name is not valid Unicode";
        }

        return bytes > MaxObjectNameBytes
            ? $"the name would be {bytes} UTF-8 bytes, over Cloud Storage's limit of {MaxObjectNameBytes}"
            : null;
    }

    /// <summary>
    /// Where the failure record of <paramref name="objectName"/> goes: prefix + name + <c>.json</c>, or, when that is not a valid
    /// object name (too long), prefix + <c>sha256/</c> + the hex SHA-256 of the name + <c>.json</c>. The record names the source either way.
    /// </summary>
    public static string FailureRecordName(string prefix, string objectName)
    {
        var name = string.Concat(prefix, objectName, ".json");
        if (CheckObjectName(name) is null)
        {
            return name;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(objectName));
        return string.Concat(prefix, "sha256/", Convert.ToHexStringLower(hash), ".json");
    }
}
