using System.IO.Compression;
using System.Text;
using Docx2Pdf.Testing;

namespace Docx2Pdf.Fire;

/// <summary>The documents the suite sends: the corpus, and hostile ones generated here (never stored in the repository).</summary>
internal static class Documents
{
    private const string W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
    private const string R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    private const string RelImage = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image";

    /// <summary>The corpus documents that must convert (neither malformed nor encrypted).</summary>
    public static IReadOnlyList<CorpusDocument> Healthy { get; } = [.. Corpus.Convertible.Where(d => d.Kind != "edge-xxe").OrderBy(d => d.LocalFile, StringComparer.Ordinal)];

    /// <summary>Healthy documents for a load: the corpus in turn, each notification its own object.</summary>
    public static List<Doc> Load(string prefix, int count) =>
        [.. Enumerable.Range(0, count).Select(i =>
        {
            var source = Healthy[i % Healthy.Count];
            return new Doc(Lab.InputBucket, $"{prefix}/{i:D5}-{Path.GetFileNameWithoutExtension(source.LocalFile)}.docx", File.ReadAllBytes(source.FullPath), Expect.Pdf, source.Kind);
        })];

    /// <summary>A small healthy document built here (fast to convert).</summary>
    public static byte[] Plain(string text, string font = "Liberation Serif") =>
        Docx(Body($"<w:p><w:r><w:rPr><w:rFonts w:ascii=\"{font}\" w:hAnsi=\"{font}\"/></w:rPr><w:t>{text}</w:t></w:r></w:p>"));

    /// <summary>A document that takes LibreOffice far longer than a short conversion timeout (a long table-heavy body).</summary>
    public static byte[] Slow(int rows = 60_000)
    {
        var sb = new StringBuilder("<w:tbl>");
        for (var i = 0; i < rows; i++)
        {
            sb.Append("<w:tr><w:tc><w:p><w:r><w:t>").Append(i).Append("</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>slow</w:t></w:r></w:p></w:tc></w:tr>");
        }

        sb.Append("</w:tbl><w:p/>");
        return Docx(Body(sb.ToString()));
    }

    /// <summary>The hostile documents of issue 11 item 4 (the listener's port goes into the external references).</summary>
    public static List<Doc> Hostile(ExternalReferenceListener listener)
    {
        var docs = new List<Doc>();
        // The corpus's XXE case (an external entity LibreOffice refuses) belongs here too, not among the healthy documents.
        foreach (var bad in Corpus.Documents.Where(d => d.Kind.StartsWith("malformed", StringComparison.Ordinal) || d.Kind is "encrypted" or "edge-xxe"))
        {
            // The corpus calls these malformed; LibreOffice repairs some of them, so a PDF is as good an ending as a record.
            docs.Add(new Doc(Lab.InputBucket, "hostile/corpus/" + bad.LocalFile.Replace('/', '_'), File.ReadAllBytes(bad.FullPath), bad.Kind == "encrypted" ? Expect.Record : Expect.PdfOrRecord, $"corpus {bad.Kind}"));
        }

        docs.Add(new Doc(Lab.InputBucket, "hostile/zip-bomb.docx", ZipBomb(), Expect.Record, "zip bomb (512 MiB of zeros in one entry)"));
        docs.Add(new Doc(Lab.InputBucket, "hostile/many-entries.docx", ManyEntries(40_000), Expect.Record, "40,000 zip entries"));
        docs.Add(new Doc(Lab.InputBucket, "hostile/empty.docx", [], Expect.Record, "0-byte file"));
        docs.Add(new Doc(Lab.InputBucket, "hostile/really-a-pdf.docx", Pdf(), Expect.PdfOrRecord, "a PDF renamed .docx"));
        docs.Add(new Doc(Lab.InputBucket, "hostile/really-a-png.docx", SmallPng(), Expect.PdfOrRecord, "a PNG renamed .docx"));
        docs.Add(new Doc(Lab.InputBucket, "hostile/really-elf.docx", File.ReadAllBytes("/bin/true"), Expect.Record, "an ELF binary renamed .docx"));
        docs.Add(new Doc(Lab.InputBucket, "hostile/external-image.docx", ExternalImage(listener.Url("img.png")), Expect.Pdf, "external image link"));
        docs.Add(new Doc(Lab.InputBucket, "hostile/ole-link.docx", OleLink(listener.Url("sheet.xlsx")), Expect.Pdf, "OLE link"));
        docs.Add(new Doc(Lab.InputBucket, "hostile/includepicture.docx", IncludeFields(listener), Expect.Pdf, "INCLUDEPICTURE and INCLUDETEXT fields"));
        docs.Add(new Doc(Lab.InputBucket, "hostile/remote-template.docx", RemoteTemplate(listener.Url("template.dotx")), Expect.Pdf, "remote attached template"));
        docs.Add(new Doc(Lab.InputBucket, "hostile/xxe-external-entity.docx", Xxe(listener.Url("entity.xml")), Expect.PdfOrRecord, "external XML entity"));

        // Object names: each is a valid Cloud Storage name (except the line break, which the library must still record).
        var plain = Plain("odd name");
        docs.Add(new Doc(Lab.InputBucket, "../../etc/dotdot.docx", plain, Expect.Pdf, "name with .."));
        docs.Add(new Doc(Lab.InputBucket, "/abs/olute/path.docx", plain, Expect.Pdf, "absolute-path name"));
        docs.Add(new Doc(Lab.InputBucket, "hostile/ünïcödé 文書 ✓.docx", plain, Expect.Pdf, "Unicode name"));
        docs.Add(new Doc(Lab.InputBucket, "hostile/" + new string('x', 1024 - 8 - 5) + ".docx", plain, Expect.Pdf, "1,024-byte name"));
        docs.Add(new Doc(Lab.InputBucket, "hostile/line\nbreak\r\nforged log line.docx", plain, Expect.Record, "name with CR/LF"));
        docs.Add(new Doc(Lab.InputBucket, "hostile/bidi\u202Excod.exe\u202C.docx", plain, Expect.Pdf, "name with bidi controls"));
        return docs;
    }

    /// <summary>
    /// The font smuggle of issue 9 item 3: a font embedded under an image-typed relationship at word/media/font1.png, named
    /// FireSmuggle (DejaVu Sans with its family name changed, so no installed font has that name).
    /// </summary>
    public static byte[] SmuggledFont()
    {
        var fontTable = $"""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <w:fonts xmlns:w="{W}" xmlns:r="{R}"><w:font w:name="FireSmuggle"><w:embedRegular r:id="rIdF1"/></w:font></w:fonts>
            """;
        var fontRels = $"""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdF1" Type="{RelImage}" Target="media/font1.png"/></Relationships>
            """;
        var settings = $"""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <w:settings xmlns:w="{W}"><w:embedTrueTypeFonts/></w:settings>
            """;
        return Docx(
            Body("<w:p><w:r><w:rPr><w:rFonts w:ascii=\"FireSmuggle\" w:hAnsi=\"FireSmuggle\"/></w:rPr><w:t>smuggled font</w:t></w:r></w:p>"),
            documentRels: "<Relationship Id=\"rIdFT\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable\" Target=\"fontTable.xml\"/><Relationship Id=\"rIdS\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings\" Target=\"settings.xml\"/>",
            extra:
            [
                ("word/fontTable.xml", Encoding.UTF8.GetBytes(fontTable)),
                ("word/_rels/fontTable.xml.rels", Encoding.UTF8.GetBytes(fontRels)),
                ("word/settings.xml", Encoding.UTF8.GetBytes(settings)),
                ("word/media/font1.png", RenamedFont()),
            ],
            contentTypes: "<Override PartName=\"/word/fontTable.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml\"/><Override PartName=\"/word/settings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml\"/><Default Extension=\"png\" ContentType=\"image/png\"/>");
    }

    public static byte[] Docx(string documentXml, string documentRels = "", IEnumerable<(string Path, byte[] Data)>? extra = null, string contentTypes = "", string settingsRels = "")
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, "[Content_Types].xml", $"""
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>{contentTypes}</Types>
                """);
            Add(zip, "_rels/.rels", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>
                """);
            Add(zip, "word/document.xml", documentXml);
            if (documentRels.Length > 0)
            {
                Add(zip, "word/_rels/document.xml.rels", $"""
                    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                    <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{documentRels}</Relationships>
                    """);
            }

            if (settingsRels.Length > 0)
            {
                Add(zip, "word/_rels/settings.xml.rels", $"""
                    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                    <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{settingsRels}</Relationships>
                    """);
            }

            foreach (var (path, data) in extra ?? [])
            {
                var entry = zip.CreateEntry(path, CompressionLevel.Fastest);
                using var s = entry.Open();
                s.Write(data);
            }
        }

        return buffer.ToArray();
    }

    private static string Body(string inner) =>
        $"""
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <w:document xmlns:w="{W}" xmlns:r="{R}" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:v="urn:schemas-microsoft-com:vml"><w:body>{inner}<w:sectPr/></w:body></w:document>
        """;

    private static void Add(ZipArchive zip, string path, string text)
    {
        var entry = zip.CreateEntry(path, CompressionLevel.Fastest);
        using var s = entry.Open();
        s.Write(Encoding.UTF8.GetBytes(text));
    }

    private static byte[] ZipBomb()
    {
        var zeros = new byte[1 << 20];
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, "[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>");
            var entry = zip.CreateEntry("word/document.xml", CompressionLevel.SmallestSize);
            using var s = entry.Open();
            for (var i = 0; i < 512; i++)
            {
                s.Write(zeros);
            }
        }

        return buffer.ToArray();
    }

    private static byte[] ManyEntries(int count)
    {
        var extra = Enumerable.Range(0, count).Select(i => ($"word/junk/{i}.xml", "<x/>"u8.ToArray()));
        return Docx(Body("<w:p><w:r><w:t>many entries</w:t></w:r></w:p>"), extra: extra);
    }

    private static byte[] ExternalImage(string url) => Docx(
        Body($"""
            <w:p><w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"><wp:extent cx="952500" cy="952500"/><wp:docPr id="1" name="ext"/>
            <a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">
            <pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:nvPicPr><pic:cNvPr id="1" name="ext.png"/><pic:cNvPicPr/></pic:nvPicPr>
            <pic:blipFill><a:blip r:link="rIdExt"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="952500" cy="952500"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>
            </a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>
            <w:p><w:r><w:pict><v:shape id="s1" style="width:50pt;height:50pt"><v:imagedata r:id="rIdExt2" o:title=""/></v:shape></w:pict></w:r></w:p>
            """),
        documentRels: $"<Relationship Id=\"rIdExt\" Type=\"{RelImage}\" Target=\"{url}\" TargetMode=\"External\"/><Relationship Id=\"rIdExt2\" Type=\"{RelImage}\" Target=\"{url}?vml\" TargetMode=\"External\"/>");

    private static byte[] OleLink(string url) => Docx(
        Body("""
            <w:p><w:r><w:object w:dxaOrig="1440" w:dyaOrig="1440"><v:shape id="ole1" style="width:72pt;height:72pt"><v:imagedata r:id="rIdPreview" o:title=""/></v:shape>
            <o:OLEObject Type="Link" ProgID="Excel.Sheet.12" ShapeID="ole1" DrawAspect="Content" r:id="rIdOle" UpdateMode="Always"><o:LinkType>EnhancedMetaFile</o:LinkType><o:LockedField>false</o:LockedField></o:OLEObject></w:object></w:r></w:p>
            """),
        documentRels: $"<Relationship Id=\"rIdOle\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/oleObject\" Target=\"{url}\" TargetMode=\"External\"/><Relationship Id=\"rIdPreview\" Type=\"{RelImage}\" Target=\"{url}.png\" TargetMode=\"External\"/>");

    private static byte[] IncludeFields(ExternalReferenceListener listener) => Docx(Body($"""
        <w:p><w:fldSimple w:instr=" INCLUDEPICTURE &quot;{listener.Url("inc.png")}&quot; \d "><w:r><w:t>picture</w:t></w:r></w:fldSimple></w:p>
        <w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> INCLUDEPICTURE "{listener.Url("inc2.png")}" \* MERGEFORMATINET </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>p2</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>
        <w:p><w:fldSimple w:instr=" INCLUDETEXT &quot;{listener.Url("inc.txt")}&quot; "><w:r><w:t>text</w:t></w:r></w:fldSimple></w:p>
        """));

    private static byte[] RemoteTemplate(string url)
    {
        var settings = $"""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <w:settings xmlns:w="{W}" xmlns:r="{R}"><w:attachedTemplate r:id="rIdTpl"/><w:linkStyles/></w:settings>
            """;
        return Docx(
            Body("<w:p><w:r><w:t>remote template</w:t></w:r></w:p>"),
            documentRels: "<Relationship Id=\"rIdS\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings\" Target=\"settings.xml\"/>",
            extra: [("word/settings.xml", Encoding.UTF8.GetBytes(settings))],
            contentTypes: "<Override PartName=\"/word/settings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml\"/>",
            settingsRels: $"<Relationship Id=\"rIdTpl\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate\" Target=\"{url}\" TargetMode=\"External\"/>");
    }

    private static byte[] Xxe(string url) => Docx($"""
        <?xml version="1.0" encoding="UTF-8" standalone="no"?>
        <!DOCTYPE w:document [<!ENTITY ext SYSTEM "{url}">]>
        <w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>&ext;</w:t></w:r></w:p><w:sectPr/></w:body></w:document>
        """);

    private static byte[] Pdf() => Encoding.ASCII.GetBytes(
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");

    private static byte[] SmallPng() => File.ReadAllBytes(Directory.EnumerateFiles("/usr/share/icons", "*.png", SearchOption.AllDirectories).First());

    /// <summary>DejaVu Sans with its names changed to FireSmuggle (same lengths, so the tables stay valid).</summary>
    private static byte[] RenamedFont()
    {
        var font = File.ReadAllBytes("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
        Replace(font, Encoding.BigEndianUnicode.GetBytes("DejaVu Sans"), Encoding.BigEndianUnicode.GetBytes("FireSmuggle"));
        Replace(font, Encoding.ASCII.GetBytes("DejaVu Sans"), Encoding.ASCII.GetBytes("FireSmuggle"));
        Replace(font, Encoding.BigEndianUnicode.GetBytes("DejaVuSans"), Encoding.BigEndianUnicode.GetBytes("FireSmuggl"));
        Replace(font, Encoding.ASCII.GetBytes("DejaVuSans"), Encoding.ASCII.GetBytes("FireSmuggl"));
        return font;
    }

    private static void Replace(byte[] data, byte[] from, byte[] to)
    {
        for (var i = data.AsSpan().IndexOf(from); i >= 0;)
        {
            to.CopyTo(data, i);
            var next = data.AsSpan(i + 1).IndexOf(from);
            i = next < 0 ? -1 : i + 1 + next;
        }
    }
}
