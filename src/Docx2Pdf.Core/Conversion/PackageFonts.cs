using System.IO.Compression;
using System.Xml;

namespace Docx2Pdf.Conversion;

/// <summary>
/// Finds fonts a ZIP-based document embeds the way LibreOffice finds them, not by where they usually lie: a Word font
/// table's <c>w:embedRegular</c>/<c>embedBold</c>/<c>embedItalic</c>/<c>embedBoldItalic</c> <c>r:id</c> resolved through
/// the table's relationships whatever their type or target folder, and ODF <c>svg:font-face-uri</c> entries. This is
/// the fast path; the converter also checks the instance's embedded-font folder after each conversion.
/// </summary>
/// <remarks>
/// Runs after every entry was decompressed within the package limits. XML is read with DTDs ignored and no resolver, so
/// a DOCTYPE neither stops the scan nor expands an entity. When a part that can carry fonts cannot be read, the answer is
/// "embeds fonts": the cost of a wrong yes is one instance recycle, of a wrong no another user's rendering.
/// </remarks>
internal static class PackageFonts
{
    /// <summary>Font tables followed per package (Word has one, plus one for the glossary).</summary>
    public const int MaxFontTables = 16;

    /// <summary>Distinct embed ids remembered per font table; more counts as "embeds fonts" without reading on.</summary>
    private const int MaxEmbedIds = 4096;

    private static readonly string[] EmbedElements = ["embedRegular", "embedBold", "embedItalic", "embedBoldItalic"];

    private static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Ignore,
        XmlResolver = null,
        CloseInput = false,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
    };

    /// <summary>Reads each <c>Relationship</c> of a .rels part; a malformed part ends the reading quietly.</summary>
    /// <returns><see langword="false"/> when the part is not well-formed XML.</returns>
    public static bool ReadRelationships(ZipArchiveEntry entry, Action<string, string, string, bool> relationship)
    {
        try
        {
            using var s = entry.Open();
            using var reader = XmlReader.Create(s, Settings);
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "Relationship")
                {
                    relationship(
                        reader.GetAttribute("Id") ?? string.Empty,
                        reader.GetAttribute("Type") ?? string.Empty,
                        reader.GetAttribute("Target") ?? string.Empty,
                        string.Equals(reader.GetAttribute("TargetMode"), "External", StringComparison.OrdinalIgnoreCase));
                }
            }

            return true;
        }
        catch (XmlException)
        {
            return false;
        }
    }

    /// <summary>True when the font table part <paramref name="table"/> names an embedded font its relationships resolve (or cannot be read).</summary>
    public static bool FontTableEmbeds(IReadOnlyDictionary<string, ZipArchiveEntry> parts, string table)
    {
        if (!parts.TryGetValue(table, out var entry))
        {
            return false;
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            using var s = entry.Open();
            using var reader = XmlReader.Create(s, Settings);
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.Element && Array.IndexOf(EmbedElements, reader.LocalName) >= 0)
                {
                    // r:id in the transitional or the strict relationships namespace; any attribute named id will do.
                    for (var more = reader.MoveToFirstAttribute(); more; more = reader.MoveToNextAttribute())
                    {
                        if (reader.LocalName == "id" && reader.Value.Length > 0 && ids.Add(reader.Value) && ids.Count > MaxEmbedIds)
                        {
                            return true; // Word writes four per font; this many is no ordinary font table.
                        }
                    }
                }
            }
        }
        catch (XmlException)
        {
            return true;
        }

        if (ids.Count == 0 || !parts.TryGetValue(RelationshipsPartOf(table), out var rels))
        {
            return false;
        }

        var resolved = false;
        var readable = ReadRelationships(rels, (id, _, _, isExternal) => resolved |= !isExternal && ids.Contains(id));
        return resolved || !readable;
    }

    /// <summary>True when an ODF package declares a font face with a URI (an embedded font) in content.xml or styles.xml.</summary>
    public static bool OdfEmbeds(IReadOnlyDictionary<string, ZipArchiveEntry> parts)
    {
        foreach (var name in (string[])["content.xml", "styles.xml"])
        {
            if (!parts.TryGetValue(name, out var entry))
            {
                continue;
            }

            try
            {
                using var s = entry.Open();
                using var reader = XmlReader.Create(s, Settings);
                while (reader.Read())
                {
                    if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "font-face-uri")
                    {
                        return true;
                    }

                    // Font faces are declared before the styles and the body: stop reading there.
                    if (reader.NodeType == XmlNodeType.Element && reader.LocalName is "body" or "styles" or "automatic-styles" or "master-styles")
                    {
                        break;
                    }
                }
            }
            catch (XmlException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The part a .rels part describes: <c>word/_rels/document.xml.rels</c> is about <c>word/document.xml</c>; <c>_rels/.rels</c> about the package.</summary>
    public static string SourcePartOf(string relsPart)
    {
        var folder = relsPart.LastIndexOf("_rels/", StringComparison.OrdinalIgnoreCase);
        if (folder < 0)
        {
            return string.Empty;
        }

        var name = relsPart[(folder + "_rels/".Length)..];
        name = name.EndsWith(".rels", StringComparison.OrdinalIgnoreCase) ? name[..^".rels".Length] : name;
        return relsPart[..folder] + name;
    }

    /// <summary>The .rels part of <paramref name="part"/>: <c>word/fontTable.xml</c> has <c>word/_rels/fontTable.xml.rels</c>.</summary>
    public static string RelationshipsPartOf(string part)
    {
        var slash = part.LastIndexOf('/');
        return part[..(slash + 1)] + "_rels/" + part[(slash + 1)..] + ".rels";
    }

    /// <summary>Resolves a relationship target against its source part, as a ZIP entry name (OPC part name without the leading slash).</summary>
    public static string Resolve(string sourcePart, string target)
    {
        var cut = target.IndexOfAny(['#', '?']);
        target = Uri.UnescapeDataString(cut < 0 ? target : target[..cut]).Replace('\\', '/');
        var path = target.StartsWith('/') ? target : sourcePart[..(sourcePart.LastIndexOf('/') + 1)] + target;
        var segments = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }

                continue;
            }

            segments.Add(segment);
        }

        return string.Join('/', segments);
    }
}
