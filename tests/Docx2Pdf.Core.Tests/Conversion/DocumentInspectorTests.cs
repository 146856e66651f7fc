using System.Buffers.Binary;
using System.IO.Compression;
using Docx2Pdf.Conversion;

namespace Docx2Pdf.Core.Tests.Conversion;

/// <summary>The checks that run before LibreOffice sees a document.</summary>
public sealed class DocumentInspectorTests : IDisposable
{
    private readonly string _folder = TestFolders.Create("inspect");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Inspect_ValidDocx_ForcesWordFilter()
    {
        var facts = DocumentInspector.Inspect(Write(TestDocuments.Simple("x")), PdfConversionOptions.Default, new LibreOfficeOptions());

        facts.FilterName.Should().Be("MS Word 2007 XML");
        facts.Encrypted.Should().BeFalse();
        facts.EmbedsFonts.Should().BeFalse();
    }

    [Fact]
    public void Inspect_FontEmbeddingDocx_ReportsEmbeddedFonts()
    {
        var docx = TestDocuments.EmbeddedFont("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", "Calibri");

        DocumentInspector.Inspect(Write(docx), PdfConversionOptions.Default, new LibreOfficeOptions()).EmbedsFonts.Should().BeTrue();
    }

    [Fact]
    public void Inspect_LinkedImage_CountsExternalReference()
    {
        var docx = TestDocuments.ExternalImage(new Uri("http://127.0.0.1:9/x.png"));

        DocumentInspector.Inspect(Write(docx), PdfConversionOptions.Default, new LibreOfficeOptions()).ExternalReferences.Should().Be(1);
    }

    [Fact]
    public void Inspect_FormatNotEnabled_RejectsAsUnsupported()
    {
        var act = () => DocumentInspector.Inspect(Write("{\\rtf1 hi}"u8.ToArray()), new PdfConversionOptions { Format = InputFormat.Rtf }, new LibreOfficeOptions());

        act.Should().Throw<DocumentRejectedException>().Which.Kind.Should().Be(FailureKind.UnsupportedFormat);
    }

    [Fact]
    public void Inspect_ZipBombByRatio_RejectsAsInvalid()
    {
        var bomb = Zip(("[Content_Types].xml", new byte[10]), ("word/document.xml", new byte[50 * 1024 * 1024]));

        var act = () => DocumentInspector.Inspect(Write(bomb), PdfConversionOptions.Default, new LibreOfficeOptions());

        act.Should().Throw<DocumentRejectedException>().Which.Message.Should().Contain("MaxCompressionRatio");
    }

    [Fact]
    public void Inspect_TooManyEntries_RejectsAsInvalid()
    {
        var many = Zip(Enumerable.Range(0, 50).Select(i => ($"word/media/p{i}.bin", new byte[1])).ToArray());

        var act = () => DocumentInspector.Inspect(Write(many), PdfConversionOptions.Default, new LibreOfficeOptions { MaxZipEntries = 20 });

        act.Should().Throw<DocumentRejectedException>().Which.Message.Should().Contain("MaxZipEntries");
    }

    [Fact]
    public void Inspect_Zip64RecordClaims100000Entries_RejectsFromTheRecord()
    {
        // Two real entries; the ZIP64 end-of-central-directory record says 100,000. Before: ZipArchive failed on the
        // mismatch only after reading the directory ("not a readable ZIP"), and with a real 100,000 it built them all.
        var zip = WithZip64EntryCount(TestDocuments.Simple("x"), 100_000);

        var act = () => DocumentInspector.Inspect(Write(zip), PdfConversionOptions.Default, new LibreOfficeOptions());

        act.Should().Throw<DocumentRejectedException>().Which.Message.Should().Contain("100000 entries").And.Contain("MaxZipEntries");
    }

    [Fact]
    public void Inspect_RecordClaims60000Entries_RejectsFromTheRecord()
    {
        var zip = TestDocuments.Simple("x");
        var eocd = zip.AsSpan().LastIndexOf("PK\u0005\u0006"u8);
        BinaryPrimitives.WriteUInt16LittleEndian(zip.AsSpan(eocd + 8), 60000);
        BinaryPrimitives.WriteUInt16LittleEndian(zip.AsSpan(eocd + 10), 60000);

        var act = () => DocumentInspector.Inspect(Write(zip), PdfConversionOptions.Default, new LibreOfficeOptions());

        act.Should().Throw<DocumentRejectedException>().Which.Message.Should().Contain("60000 entries");
    }

    [Fact]
    public void Inspect_RecordUnderstatesEntries_CountsTheDirectoryHeaders()
    {
        var many = Zip(Enumerable.Range(0, 50).Select(i => ($"word/media/p{i}.bin", new byte[1])).ToArray());
        var eocd = many.AsSpan().LastIndexOf("PK\u0005\u0006"u8);
        BinaryPrimitives.WriteUInt16LittleEndian(many.AsSpan(eocd + 8), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(many.AsSpan(eocd + 10), 2);

        var act = () => DocumentInspector.Inspect(Write(many), PdfConversionOptions.Default, new LibreOfficeOptions { MaxZipEntries = 20 });

        act.Should().Throw<DocumentRejectedException>().Which.Message.Should().Contain("more than 20 entries");
    }

    [Fact]
    public void Inspect_100000RealEntries_RejectsWithoutBuildingTheEntries()
    {
        var path = Write(Zip(Enumerable.Range(0, 100_000).Select(i => ($"e{i}", Array.Empty<byte>())).ToArray(), CompressionLevel.NoCompression));
        var before = GC.GetAllocatedBytesForCurrentThread();

        var act = () => DocumentInspector.Inspect(path, PdfConversionOptions.Default, new LibreOfficeOptions());

        act.Should().Throw<DocumentRejectedException>().Which.Message.Should().Contain("MaxZipEntries");

        // Before: ZipArchive built 100,000 entries (tens of MB) to count them. Now: a 64 KiB tail and a read buffer.
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(2 * 1024 * 1024);
    }

    [Fact]
    public void Inspect_LargeCompoundFileWithoutEncryptedPackage_ScansWithoutReadingItWhole()
    {
        var cfb = new byte[32 * 1024 * 1024];
        new byte[] { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 }.CopyTo(cfb, 0);
        var path = Write(cfb);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var act = () => DocumentInspector.Inspect(path, PdfConversionOptions.Default, new LibreOfficeOptions());

        act.Should().Throw<DocumentRejectedException>().Which.Message.Should().Contain("OLE compound file");
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(1024 * 1024, "the file is scanned in a small buffer, not read whole");
    }

    [Theory]
    [InlineData(65536 - 10)] // the name straddles two 64 KiB reads
    [InlineData(100)]
    public void Inspect_CompoundFileNamingEncryptedPackage_IsFoundWherever(int at)
    {
        var cfb = new byte[200 * 1024];
        new byte[] { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 }.CopyTo(cfb, 0);
        System.Text.Encoding.Unicode.GetBytes("EncryptedPackage").CopyTo(cfb, at);

        var act = () => DocumentInspector.Inspect(Write(cfb), PdfConversionOptions.Default, new LibreOfficeOptions());

        act.Should().Throw<DocumentRejectedException>().Which.Kind.Should().Be(FailureKind.PasswordProtected);
    }

    [Fact]
    public void Inspect_TotalExpandedSizeOverLimit_RejectsAsInvalid()
    {
        var big = Zip(("[Content_Types].xml", new byte[10]), ("word/document.xml", new byte[200_000]));

        var act = () => DocumentInspector.Inspect(Write(big), PdfConversionOptions.Default, new LibreOfficeOptions { MaxUncompressedBytes = 100_000 });

        act.Should().Throw<DocumentRejectedException>().Which.Message.Should().Contain("MaxUncompressedBytes");
    }

    [Fact]
    public void Inspect_ZipWithoutMainPart_RejectsAsInvalid()
    {
        var act = () => DocumentInspector.Inspect(Write(Zip(("[Content_Types].xml", new byte[10]), ("other.xml", new byte[10]))), PdfConversionOptions.Default, new LibreOfficeOptions());

        act.Should().Throw<DocumentRejectedException>().Which.Kind.Should().Be(FailureKind.InvalidDocument);
    }

    [Fact]
    public void Inspect_EmptyFile_RejectsAsInvalid()
    {
        var act = () => DocumentInspector.Inspect(Write([]), PdfConversionOptions.Default, new LibreOfficeOptions());

        act.Should().Throw<DocumentRejectedException>().Which.Kind.Should().Be(FailureKind.InvalidDocument);
    }

    private string Write(byte[] bytes)
    {
        var path = Path.Combine(_folder, Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Zip(params (string Name, byte[] Data)[] entries) => Zip(entries, CompressionLevel.SmallestSize);

    private static byte[] Zip((string Name, byte[] Data)[] entries, CompressionLevel level)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, data) in entries)
            {
                using var s = zip.CreateEntry(name, level).Open();
                s.Write(data);
            }
        }

        return ms.ToArray();
    }

    /// <summary>Rewrites the end of <paramref name="zip"/> as ZIP64: a ZIP64 record claiming <paramref name="entries"/>, its locator, and a record that defers to it.</summary>
    private static byte[] WithZip64EntryCount(byte[] zip, ulong entries)
    {
        var eocd = zip.AsSpan().LastIndexOf("PK\u0005\u0006"u8);
        var record = zip.AsSpan(eocd, 22);
        var size = BinaryPrimitives.ReadUInt32LittleEndian(record[12..]);
        var offset = BinaryPrimitives.ReadUInt32LittleEndian(record[16..]);
        var zip64 = new byte[56];
        BinaryPrimitives.WriteUInt32LittleEndian(zip64, 0x06064b50);
        BinaryPrimitives.WriteUInt64LittleEndian(zip64.AsSpan(4), 44);
        BinaryPrimitives.WriteUInt16LittleEndian(zip64.AsSpan(12), 45);
        BinaryPrimitives.WriteUInt16LittleEndian(zip64.AsSpan(14), 45);
        BinaryPrimitives.WriteUInt64LittleEndian(zip64.AsSpan(24), entries);
        BinaryPrimitives.WriteUInt64LittleEndian(zip64.AsSpan(32), entries);
        BinaryPrimitives.WriteUInt64LittleEndian(zip64.AsSpan(40), size);
        BinaryPrimitives.WriteUInt64LittleEndian(zip64.AsSpan(48), offset);
        var locator = new byte[20];
        BinaryPrimitives.WriteUInt32LittleEndian(locator, 0x07064b50);
        BinaryPrimitives.WriteUInt64LittleEndian(locator.AsSpan(8), (ulong)eocd);
        BinaryPrimitives.WriteUInt32LittleEndian(locator.AsSpan(16), 1);
        var end = record.ToArray();
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), 0xFFFF);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), 0xFFFF);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), 0xFFFFFFFF);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), 0xFFFFFFFF);
        return [.. zip.AsSpan(0, eocd), .. zip64, .. locator, .. end];
    }
}
