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
