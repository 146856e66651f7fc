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

    private static byte[] Zip(params (string Name, byte[] Data)[] entries)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, data) in entries)
            {
                using var s = zip.CreateEntry(name, CompressionLevel.SmallestSize).Open();
                s.Write(data);
            }
        }

        return ms.ToArray();
    }
}
