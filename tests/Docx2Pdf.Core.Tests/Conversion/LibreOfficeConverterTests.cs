using Docx2Pdf.Conversion;
using Docx2Pdf.Testing;

namespace Docx2Pdf.Core.Tests.Conversion;

[Collection(LibreOfficeCollection.Name)]
public sealed class LibreOfficeConverterTests(LibreOfficeFixture fixture)
{
    private readonly LibreOfficeConverter _converter = fixture.Converter;

    [Fact]
    public async Task ConvertAsync_SimpleDocx_WritesPdfWithItsText()
    {
        using var input = new MemoryStream(TestDocuments.Simple("Hello from Docx2Pdf"));
        using var output = new MemoryStream();

        var result = await _converter.ConvertAsync(input, output);

        var pdf = output.ToArray();
        pdf.AsSpan(0, 5).SequenceEqual("%PDF-"u8).Should().BeTrue();
        result.OutputBytes.Should().Be(pdf.Length);
        result.EngineDuration.Should().BePositive();
        result.TotalDuration.Should().BeGreaterThanOrEqualTo(result.EngineDuration);
        Pdf.Text(pdf).Should().Contain("Hello from Docx2Pdf");
    }

    [Fact]
    public async Task ConvertAsync_FilePaths_WritesOutputFile()
    {
        var folder = TestFolders.Create("paths");
        try
        {
            var output = Path.Combine(folder, "out.pdf");
            await _converter.ConvertAsync(Corpus.Get("python-docx/default.docx").FullPath, output);
            Pdf.CountPages(await File.ReadAllBytesAsync(output)).Should().BeGreaterThanOrEqualTo(1);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
