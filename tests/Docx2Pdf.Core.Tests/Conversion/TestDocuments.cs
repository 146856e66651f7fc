using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using A = DocumentFormat.OpenXml.Drawing;
using DW = DocumentFormat.OpenXml.Drawing.Wordprocessing;
using PIC = DocumentFormat.OpenXml.Drawing.Pictures;

namespace Docx2Pdf.Core.Tests.Conversion;

/// <summary>.docx cases the shared corpus lacks, built with the Open XML SDK.</summary>
internal static class TestDocuments
{
    public static byte[] Simple(string text, string? font = null)
    {
        using var ms = new MemoryStream();
        using (var doc = WordprocessingDocument.Create(ms, WordprocessingDocumentType.Document))
        {
            var main = doc.AddMainDocumentPart();
            main.Document = new Document(new Body(Paragraph(text, font)));
        }

        return ms.ToArray();
    }

    /// <summary>Many pages of text: takes LibreOffice seconds, for the timeout, busy and crash tests.</summary>
    public static byte[] Huge(int paragraphs = 12000)
    {
        using var ms = new MemoryStream();
        using (var doc = WordprocessingDocument.Create(ms, WordprocessingDocumentType.Document))
        {
            var main = doc.AddMainDocumentPart();
            var body = new Body();
            for (var i = 0; i < paragraphs; i++)
            {
                body.Append(Paragraph($"Paragraph {i}: the quick brown fox jumps over the lazy dog, again and again, so that LibreOffice has lines to lay out."));
            }

            main.Document = new Document(body);
        }

        return ms.ToArray();
    }

    /// <summary>A picture whose relationship points at <paramref name="url"/> (TargetMode External), as Word writes a linked image.</summary>
    public static byte[] ExternalImage(Uri url)
    {
        using var ms = new MemoryStream();
        using (var doc = WordprocessingDocument.Create(ms, WordprocessingDocumentType.Document))
        {
            var main = doc.AddMainDocumentPart();
            var rel = main.AddExternalRelationship("http://schemas.openxmlformats.org/officeDocument/2006/relationships/image", url);
            var drawing = new Drawing(new DW.Inline(
                new DW.Extent { Cx = 990000L, Cy = 792000L },
                new DW.DocProperties { Id = 1U, Name = "Linked picture" },
                new A.Graphic(new A.GraphicData(
                    new PIC.Picture(
                        new PIC.NonVisualPictureProperties(new PIC.NonVisualDrawingProperties { Id = 0U, Name = "linked.png" }, new PIC.NonVisualPictureDrawingProperties()),
                        new PIC.BlipFill(new A.Blip { Link = rel.Id }, new A.Stretch(new A.FillRectangle())),
                        new PIC.ShapeProperties(new A.Transform2D(new A.Offset { X = 0L, Y = 0L }, new A.Extents { Cx = 990000L, Cy = 792000L }), new A.PresetGeometry { Preset = A.ShapeTypeValues.Rectangle })))
                { Uri = "http://schemas.openxmlformats.org/drawingml/2006/picture" }))
            { DistanceFromTop = 0U, DistanceFromBottom = 0U, DistanceFromLeft = 0U, DistanceFromRight = 0U });
            main.Document = new Document(new Body(Paragraph("Before the linked picture."), new Paragraph(new Run(drawing)), Paragraph("After it.")));
        }

        return ms.ToArray();
    }

    /// <summary>
    /// Every kind of external content a Word document can name, all on <paramref name="server"/>: a linked picture
    /// (<c>a:blip r:link</c>), INCLUDEPICTURE and INCLUDETEXT fields, a linked OLE object with its linked preview, a
    /// sub-document and an attached template. Written as raw parts: the SDK would not write some of these as Word does.
    /// </summary>
    public static byte[] ExternalContent(Uri server)
    {
        var b = server.AbsoluteUri.TrimEnd('/');
        const string Ns = "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" " +
            "xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\" xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" " +
            "xmlns:pic=\"http://schemas.openxmlformats.org/drawingml/2006/picture\" xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:o=\"urn:schemas-microsoft-com:office:office\"";
        const string Rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/";
        var picture = "<w:p><w:r><w:drawing><wp:inline><wp:extent cx=\"990000\" cy=\"792000\"/><wp:docPr id=\"1\" name=\"p\"/><a:graphic><a:graphicData uri=\"http://schemas.openxmlformats.org/drawingml/2006/picture\">" +
            "<pic:pic><pic:nvPicPr><pic:cNvPr id=\"0\" name=\"l.png\"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:link=\"rIdImg\"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>" +
            "<pic:spPr><a:xfrm><a:off x=\"0\" y=\"0\"/><a:ext cx=\"990000\" cy=\"792000\"/></a:xfrm><a:prstGeom prst=\"rect\"/></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>";
        var fields = $"<w:p><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText xml:space=\"preserve\"> INCLUDEPICTURE \"{b}/includepicture.png\" \\d </w:instrText></w:r>" +
            "<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>picture field</w:t></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p>" +
            $"<w:p><w:fldSimple w:instr=' INCLUDEPICTURE \"{b}/includepicture2.png\" '><w:r><w:t>x</w:t></w:r></w:fldSimple></w:p>" +
            $"<w:p><w:fldSimple w:instr=' INCLUDETEXT \"{b}/includetext.docx\" '><w:r><w:t>y</w:t></w:r></w:fldSimple></w:p>";
        var ole = "<w:p><w:r><w:object w:dxaOrig=\"1440\" w:dyaOrig=\"1440\"><v:shape id=\"_x0000_i1025\" type=\"#_x0000_t75\" style=\"width:72pt;height:72pt\"><v:imagedata r:id=\"rIdPreview\" o:title=\"\"/></v:shape>" +
            "<o:OLEObject Type=\"Link\" ProgID=\"Excel.Sheet.12\" ShapeID=\"_x0000_i1025\" DrawAspect=\"Content\" r:id=\"rIdOle\" UpdateMode=\"Always\"><o:LinkType>EnhancedMetaFile</o:LinkType></o:OLEObject></w:object></w:r></w:p>";
        var document = $"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:document {Ns}><w:body><w:p><w:r><w:t>Before the linked content.</w:t></w:r></w:p>{picture}{fields}{ole}" +
            "<w:p><w:subDoc r:id=\"rIdSub\"/></w:p><w:p><w:r><w:t>After it.</w:t></w:r></w:p></w:body></w:document>";
        string Relationship(string id, string type, string target, bool external = true) =>
            $"<Relationship Id=\"{id}\" Type=\"{Rel}{type}\" Target=\"{target}\"{(external ? " TargetMode=\"External\"" : string.Empty)}/>";
        string Relationships(params string[] items) =>
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">" + string.Concat(items) + "</Relationships>";

        using var ms = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(ms, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            void Part(string name, string xml)
            {
                using var w = new StreamWriter(zip.CreateEntry(name).Open());
                w.Write(xml);
            }

            Part("[Content_Types].xml", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">" +
                "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/>" +
                "<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>" +
                "<Override PartName=\"/word/settings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml\"/></Types>");
            Part("_rels/.rels", Relationships(Relationship("rId1", "officeDocument", "word/document.xml", external: false)));
            Part("word/document.xml", document);
            Part("word/_rels/document.xml.rels", Relationships(
                Relationship("rIdImg", "image", b + "/linked.png"),
                Relationship("rIdPreview", "image", b + "/ole-preview.emf"),
                Relationship("rIdOle", "oleObject", b + "/book.xlsx"),
                Relationship("rIdSub", "subDocument", b + "/sub.docx"),
                Relationship("rIdSettings", "settings", "settings.xml", external: false)));
            Part("word/settings.xml", $"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:settings {Ns}><w:attachedTemplate r:id=\"rIdTemplate\"/><w:linkStyles/></w:settings>");
            Part("word/_rels/settings.xml.rels", Relationships(Relationship("rIdTemplate", "attachedTemplate", b + "/template.dotx")));
        }

        return ms.ToArray();
    }

    /// <summary>
    /// A document that embeds <paramref name="fontFile"/> as font <paramref name="fontName"/> (word/fonts/font1.odttf,
    /// obfuscated as ECMA-376 part 1, 17.8.1 describes) and uses it.
    /// </summary>
    public static byte[] EmbeddedFont(string fontFile, string fontName)
    {
        var key = Guid.NewGuid();
        var data = File.ReadAllBytes(fontFile);
        // Obfuscation: XOR the first 32 bytes with the key's bytes in reverse order of its string form.
        var hex = key.ToString("N");
        var keyBytes = Enumerable.Range(0, 16).Select(i => Convert.ToByte(hex.Substring(i * 2, 2), 16)).Reverse().ToArray();
        for (var i = 0; i < 32; i++)
        {
            data[i] ^= keyBytes[i % 16];
        }

        using var ms = new MemoryStream();
        using (var doc = WordprocessingDocument.Create(ms, WordprocessingDocumentType.Document))
        {
            var main = doc.AddMainDocumentPart();
            var fontTable = main.AddNewPart<FontTablePart>();
            var fontPart = fontTable.AddFontPart(FontPartType.FontOdttf);
            using (var s = new MemoryStream(data))
            {
                fontPart.FeedData(s);
            }

            fontTable.Fonts = new Fonts(new Font(new EmbedRegularFont { Id = fontTable.GetIdOfPart(fontPart), FontKey = key.ToString("B").ToUpperInvariant() }) { Name = fontName });
            main.Document = new Document(new Body(Paragraph("This text is set in an embedded font.", fontName)));
            var settings = main.AddNewPart<DocumentSettingsPart>();
            settings.Settings = new Settings(new EmbedTrueTypeFonts());
        }

        return ms.ToArray();
    }

    /// <summary>
    /// A document that embeds <paramref name="fontFile"/> as font <paramref name="fontName"/> the way an attacker would
    /// hide it from a structural scan: <paramref name="layout"/> says where the font part lives and how it is linked.
    /// Written as raw parts, since the SDK only writes the standard layout.
    /// </summary>
    public static byte[] SmuggledFont(string fontFile, string fontName, FontLayout layout)
    {
        var key = Guid.NewGuid();
        var data = File.ReadAllBytes(fontFile);
        var hex = key.ToString("N");
        var keyBytes = Enumerable.Range(0, 16).Select(i => Convert.ToByte(hex.Substring(i * 2, 2), 16)).Reverse().ToArray();
        for (var i = 0; i < 32; i++)
        {
            data[i] ^= keyBytes[i % 16];
        }

        const string W = "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"";
        const string Rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/";
        var (fontPart, fontType, target) = layout switch
        {
            FontLayout.MediaPng => ("word/media/font1.png", "image", "media/font1.png"),
            FontLayout.UnusualFolder => ("word/zz-data/blob.bin", "font", "zz-data/blob.bin"),
            _ => ("word/fonts/font1.odttf", "font", "fonts/font1.odttf"),
        };
        var doctype = layout == FontLayout.DoctypeInRelationships ? "<!DOCTYPE Relationships>" : string.Empty;
        string Rels(string items) =>
            $"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>{{0}}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">{items}</Relationships>";

        using var ms = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(ms, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            void Part(string name, string xml)
            {
                using var w = new StreamWriter(zip.CreateEntry(name).Open());
                w.Write(xml);
            }

            Part("[Content_Types].xml", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">" +
                "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/>" +
                "<Default Extension=\"odttf\" ContentType=\"application/vnd.openxmlformats-officedocument.obfuscatedFont\"/><Default Extension=\"png\" ContentType=\"image/png\"/>" +
                "<Default Extension=\"bin\" ContentType=\"application/octet-stream\"/>" +
                "<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>" +
                "<Override PartName=\"/word/fontTable.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml\"/>" +
                "<Override PartName=\"/word/settings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml\"/></Types>");
            Part("_rels/.rels", string.Format(System.Globalization.CultureInfo.InvariantCulture, Rels($"<Relationship Id=\"rId1\" Type=\"{Rel}officeDocument\" Target=\"word/document.xml\"/>"), string.Empty));
            Part("word/document.xml", $"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:document {W}><w:body><w:p><w:r><w:rPr><w:rFonts w:ascii=\"{fontName}\" w:hAnsi=\"{fontName}\" w:cs=\"{fontName}\"/></w:rPr>" +
                "<w:t>This text is set in a font the document carries.</w:t></w:r></w:p></w:body></w:document>");
            Part("word/_rels/document.xml.rels", string.Format(System.Globalization.CultureInfo.InvariantCulture, Rels(
                $"<Relationship Id=\"rIdFonts\" Type=\"{Rel}fontTable\" Target=\"fontTable.xml\"/><Relationship Id=\"rIdSettings\" Type=\"{Rel}settings\" Target=\"settings.xml\"/>"), string.Empty));
            Part("word/settings.xml", $"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:settings {W}><w:embedTrueTypeFonts/></w:settings>");
            Part("word/fontTable.xml", $"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:fonts {W}><w:font w:name=\"{fontName}\"><w:embedRegular r:id=\"rIdF1\" w:fontKey=\"{key.ToString("B").ToUpperInvariant()}\"/></w:font></w:fonts>");
            Part("word/_rels/fontTable.xml.rels", string.Format(System.Globalization.CultureInfo.InvariantCulture, Rels($"<Relationship Id=\"rIdF1\" Type=\"{Rel}{fontType}\" Target=\"{target}\"/>"), doctype));
            using (var font = zip.CreateEntry(fontPart).Open())
            {
                font.Write(data);
            }
        }

        return ms.ToArray();
    }

    private static Paragraph Paragraph(string text, string? font = null)
    {
        var run = new Run(new Text(text) { Space = SpaceProcessingModeValues.Preserve });
        if (font is not null)
        {
            run.PrependChild(new RunProperties(new RunFonts { Ascii = font, HighAnsi = font, ComplexScript = font }));
        }

        return new Paragraph(run);
    }
}

/// <summary>Where a test document keeps the font it embeds.</summary>
public enum FontLayout
{
    /// <summary>word/fonts/font1.odttf under a font relationship, as Word writes it.</summary>
    Standard,

    /// <summary>word/media/font1.png under an image relationship.</summary>
    MediaPng,

    /// <summary>The standard layout with a DOCTYPE in fontTable.xml.rels.</summary>
    DoctypeInRelationships,

    /// <summary>word/zz-data/blob.bin under a font relationship.</summary>
    UnusualFolder,
}
