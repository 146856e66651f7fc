using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Docx2Pdf.Conversion;

namespace Docx2Pdf.Core.Tests.Conversion;

/// <summary>
/// The input scan for embedded fonts (issue 9, finding 3 / build 5, input side): fonts are found the way LibreOffice
/// finds them (font table ids through relationships, ODF font-face URIs), not by folder or relationship type.
/// </summary>
public sealed partial class PackageFontsTests : IDisposable
{
    private const string FontFile = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";
    private const string ImageType = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image";
    private readonly string _folder = TestFolders.Create("fonts");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Inspect_FontsMovedToMediaPngUnderImageRelationships_ReportsEmbeddedFonts()
    {
        // The layout measured in the issue: word/media/font1.png behind an image-typed relationship.
        var docx = MoveFont(TestDocuments.EmbeddedFont(FontFile, "Calibri"), "media/font1.png");

        Names(docx).Should().NotContain(n => n.StartsWith("word/fonts/", StringComparison.Ordinal) || n.EndsWith(".odttf", StringComparison.Ordinal));
        InspectDocx(docx).EmbedsFonts.Should().BeTrue();
    }

    [Fact]
    public void Inspect_DoctypeInFontTableRelationships_ReportsEmbeddedFonts()
    {
        var docx = MoveFont(TestDocuments.EmbeddedFont(FontFile, "Calibri"), "media/font1.png", doctype: "<!DOCTYPE Relationships [<!ENTITY unused \"x\">]>");

        InspectDocx(docx).EmbedsFonts.Should().BeTrue();
    }

    [Fact]
    public void Inspect_EntityInFontTableRelationshipTarget_ReportsEmbeddedFonts()
    {
        // An entity this reader does not expand (LibreOffice's parser might): unreadable here, so counted as fonts.
        var docx = MoveFont(TestDocuments.EmbeddedFont(FontFile, "Calibri"), "media/font1.png", doctype: "<!DOCTYPE Relationships [<!ENTITY t \"media/font1.png\">]>", target: "&t;");

        InspectDocx(docx).EmbedsFonts.Should().BeTrue();
    }

    [Fact]
    public void Inspect_FontsUnderAnUnusualFolder_ReportsEmbeddedFonts()
    {
        var docx = MoveFont(TestDocuments.EmbeddedFont(FontFile, "Calibri"), "../customXml/item/data.bin");

        Names(docx).Should().Contain("customXml/item/data.bin");
        InspectDocx(docx).EmbedsFonts.Should().BeTrue();
    }

    [Fact]
    public void Inspect_FontTableItselfMovedAndRenamed_ReportsEmbeddedFonts()
    {
        // LibreOffice finds the font table through the document's fontTable relationship, whatever the part is called.
        var docx = MoveFont(TestDocuments.EmbeddedFont(FontFile, "Calibri"), "media/font1.png");
        docx = Rewrite(docx, (name, data) => name switch
        {
            "word/fontTable.xml" => ("word/media/table.xml", data),
            "word/_rels/fontTable.xml.rels" => ("word/media/_rels/table.xml.rels", Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(data).Replace("Target=\"media/", "Target=\"", StringComparison.Ordinal))),
            "word/_rels/document.xml.rels" => (name, Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(data).Replace("Target=\"/word/fontTable.xml\"", "Target=\"media/table.xml\"", StringComparison.Ordinal))),
            _ => (name, data),
        });

        Names(docx).Should().NotContain("word/fontTable.xml");
        InspectDocx(docx).EmbedsFonts.Should().BeTrue();
    }

    [Fact]
    public void Inspect_FontTableWithoutEmbeddedFonts_ReportsNone()
    {
        // The same document with the embed element removed: the font table and an image-typed part alone are no font.
        var docx = MoveFont(TestDocuments.EmbeddedFont(FontFile, "Calibri"), "media/font1.png");
        docx = Rewrite(docx, (name, data) => name == "word/fontTable.xml"
            ? (name, Encoding.UTF8.GetBytes(EmbedElement().Replace(Encoding.UTF8.GetString(data), string.Empty)))
            : (name, data));

        InspectDocx(docx).EmbedsFonts.Should().BeFalse();
    }

    [Theory]
    [InlineData("Pictures/logo.png")]
    [InlineData("Fonts/DejaVu.ttf")]
    public void Inspect_OdtWithFontFaceUri_ReportsEmbeddedFonts(string href)
    {
        var odt = Odt($"""<style:font-face style:name="X" svg:font-family="X"><svg:font-face-src><svg:font-face-uri xlink:href="{href}" xlink:type="simple"/></svg:font-face-src></style:font-face>""", href);

        InspectOdt(odt).EmbedsFonts.Should().BeTrue();
    }

    [Fact]
    public void Inspect_OdtWithoutFontFaceUri_ReportsNone()
    {
        var odt = Odt("""<style:font-face style:name="Liberation Serif" svg:font-family="'Liberation Serif'"/>""", "Pictures/logo.png");

        InspectOdt(odt).EmbedsFonts.Should().BeFalse();
    }

    [Fact]
    public void Inspect_DuplicateEntryNames_RejectsAsInvalid()
    {
        // Two fontTable.xml.rels (ZIP allows it): this scan could read one and LibreOffice the other.
        var docx = TestDocuments.EmbeddedFont(FontFile, "Calibri");
        using var ms = new MemoryStream();
        ms.Write(docx);
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Update, leaveOpen: true))
        {
            using var s = zip.CreateEntry("word/_rels/FontTable.xml.rels").Open();
            s.Write("<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"/>"u8);
        }

        var act = () => InspectDocx(ms.ToArray());

        act.Should().Throw<DocumentRejectedException>().Which.Message.Should().Contain("same name");
    }

    [Theory]
    [InlineData("word/_rels/document.xml.rels", "word/document.xml")]
    [InlineData("_rels/.rels", "")]
    [InlineData("word/media/_rels/table.xml.rels", "word/media/table.xml")]
    public void SourcePartOf_RelationshipsPart_NamesItsSource(string rels, string source) =>
        PackageFonts.SourcePartOf(rels).Should().Be(source);

    [Theory]
    [InlineData("word/fontTable.xml", "fonts/font1.odttf", "word/fonts/font1.odttf")]
    [InlineData("word/fontTable.xml", "../customXml/a%20b.bin", "customXml/a b.bin")]
    [InlineData("word/fontTable.xml", "/word/media/x.png", "word/media/x.png")]
    [InlineData("word/document.xml", "../../../x.xml", "x.xml")]
    [InlineData("", "word/document.xml", "word/document.xml")]
    public void Resolve_Target_GivesTheEntryName(string source, string target, string expected) =>
        PackageFonts.Resolve(source, target).Should().Be(expected);

    [GeneratedRegex("<w:embedRegular[^>]*/>")]
    private static partial Regex EmbedElement();

    /// <summary>Moves the embedded font part to <paramref name="target"/> (relative to word/) under an image-typed relationship.</summary>
    private static byte[] MoveFont(byte[] docx, string newPath, string? doctype = null, string? target = null)
    {
        var targetText = target;
        var entryName = PackageFonts.Resolve("word/fontTable.xml", newPath);
        return Rewrite(docx, (name, data) =>
        {
            if (name.EndsWith(".odttf", StringComparison.Ordinal))
            {
                return (entryName, data);
            }

            if (name == "word/_rels/fontTable.xml.rels")
            {
                var xml = Encoding.UTF8.GetString(data);
                xml = Regex.Replace(xml, "Type=\"[^\"]*/font\"", $"Type=\"{ImageType}\"");
                xml = Regex.Replace(xml, "Target=\"[^\"]*\\.odttf\"", $"Target=\"{targetText ?? newPath}\"");
                if (doctype is not null)
                {
                    var end = xml.IndexOf("?>", StringComparison.Ordinal);
                    xml = end < 0 ? doctype + xml : xml.Insert(end + 2, doctype);
                }

                return (name, Encoding.UTF8.GetBytes(xml));
            }

            if (name == "[Content_Types].xml")
            {
                var xml = Encoding.UTF8.GetString(data).Replace("<Default ", "<Default Extension=\"png\" ContentType=\"image/png\"/><Default Extension=\"bin\" ContentType=\"application/octet-stream\"/><Default ", StringComparison.Ordinal);
                return (name, Encoding.UTF8.GetBytes(xml));
            }

            return (name, data);
        });
    }

    private static byte[] Rewrite(byte[] zipBytes, Func<string, byte[], (string Name, byte[] Data)> map)
    {
        using var input = new ZipArchive(new MemoryStream(zipBytes), ZipArchiveMode.Read);
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in input.Entries)
            {
                using var ms = new MemoryStream();
                using (var s = entry.Open())
                {
                    s.CopyTo(ms);
                }

                var (name, data) = map(entry.FullName, ms.ToArray());
                using var target = zip.CreateEntry(name).Open();
                target.Write(data);
            }
        }

        return output.ToArray();
    }

    private static IReadOnlyList<string> Names(byte[] zipBytes)
    {
        using var zip = new ZipArchive(new MemoryStream(zipBytes), ZipArchiveMode.Read);
        return [.. zip.Entries.Select(e => e.FullName)];
    }

    private static byte[] Odt(string fontFaces, string file)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Add(string name, string text)
            {
                using var s = zip.CreateEntry(name).Open();
                s.Write(Encoding.UTF8.GetBytes(text));
            }

            Add("mimetype", "application/vnd.oasis.opendocument.text");
            Add("content.xml", $"""
                <?xml version="1.0" encoding="UTF-8"?>
                <office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"><office:font-face-decls>{fontFaces}</office:font-face-decls><office:body><office:text><text:p>x</text:p></office:text></office:body></office:document-content>
                """);
            using var f = zip.CreateEntry(file).Open();
            f.Write(File.ReadAllBytes(FontFile));
        }

        return ms.ToArray();
    }

    private DocumentFacts InspectDocx(byte[] docx) =>
        DocumentInspector.Inspect(Write(docx), PdfConversionOptions.Default, new LibreOfficeOptions());

    private DocumentFacts InspectOdt(byte[] odt)
    {
        var limits = new LibreOfficeOptions();
        limits.EnabledFormats.Add(InputFormat.Odt);
        return DocumentInspector.Inspect(Write(odt), new PdfConversionOptions { Format = InputFormat.Odt }, limits);
    }

    private string Write(byte[] bytes)
    {
        var path = Path.Combine(_folder, Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
