namespace Docx2Pdf.Testing;

/// <summary>
/// Generated documents shared by the Core tests and the fire suite (bench/Docx2Pdf.Fire), so both prove the same thing with
/// the same bytes.
/// </summary>
public static class GeneratedDocuments
{
    /// <summary>
    /// A document with <paramref name="pictures"/> distinct 14000 x 14000 pixel pictures: a few hundred KB on disk, about
    /// 0.8 GB of resident memory each while LibreOffice renders it (measured peak 785 MB for one on 7.4, 833 MB on 25.2).
    /// </summary>
    public static byte[] HugePictures(int pictures = 3, int side = 14000)
    {
        const string Ns = "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" " +
            "xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\" xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" " +
            "xmlns:pic=\"http://schemas.openxmlformats.org/drawingml/2006/picture\"";
        var body = new System.Text.StringBuilder();
        var rels = new System.Text.StringBuilder();
        for (var i = 0; i < pictures; i++)
        {
            body.Append(System.Globalization.CultureInfo.InvariantCulture, $"<w:p><w:r><w:drawing><wp:inline><wp:extent cx=\"3000000\" cy=\"3000000\"/><wp:docPr id=\"{i + 1}\" name=\"p{i}\"/><a:graphic><a:graphicData uri=\"http://schemas.openxmlformats.org/drawingml/2006/picture\">")
                .Append(System.Globalization.CultureInfo.InvariantCulture, $"<pic:pic><pic:nvPicPr><pic:cNvPr id=\"0\" name=\"big{i}.png\"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed=\"rIdImg{i}\"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>")
                .Append("<pic:spPr><a:xfrm><a:off x=\"0\" y=\"0\"/><a:ext cx=\"3000000\" cy=\"3000000\"/></a:xfrm><a:prstGeom prst=\"rect\"/></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>");
            rels.Append(System.Globalization.CultureInfo.InvariantCulture, $"<Relationship Id=\"rIdImg{i}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/image\" Target=\"media/big{i}.png\"/>");
        }

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
                "<Default Extension=\"png\" ContentType=\"image/png\"/><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>");
            Part("_rels/.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">" +
                "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>");
            Part("word/document.xml", $"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:document {Ns}><w:body><w:p><w:r><w:t>Huge pictures.</w:t></w:r></w:p>{body}</w:body></w:document>");
            Part("word/_rels/document.xml.rels", $"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">{rels}</Relationships>");
            for (var i = 0; i < pictures; i++)
            {
                using var png = zip.CreateEntry($"word/media/big{i}.png", System.IO.Compression.CompressionLevel.NoCompression).Open();
                WritePlainPng(png, side, (byte)(0x40 + (i * 0x30)));
            }
        }

        return ms.ToArray();
    }

    /// <summary>A side x side RGB PNG of one grey level; its pixel rows deflate to almost nothing.</summary>
    private static void WritePlainPng(Stream output, int side, byte level)
    {
        void Chunk(string type, ReadOnlySpan<byte> data)
        {
            Span<byte> head = stackalloc byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(head, data.Length);
            System.Text.Encoding.ASCII.GetBytes(type, head[4..]);
            output.Write(head);
            output.Write(data);
            var crc = new System.IO.Hashing.Crc32();
            crc.Append(head[4..]);
            crc.Append(data);
            Span<byte> tail = stackalloc byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(tail, crc.GetCurrentHashAsUInt32());
            output.Write(tail);
        }

        output.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, side);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), side);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // RGB
        Chunk("IHDR", ihdr);
        using var idat = new MemoryStream();
        using (var z = new System.IO.Compression.ZLibStream(idat, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var row = new byte[1 + (side * 3)];
            Array.Fill(row, level, 1, side * 3);
            for (var y = 0; y < side; y++)
            {
                z.Write(row);
            }
        }

        Chunk("IDAT", idat.ToArray());
        Chunk("IEND", []);
    }
}
