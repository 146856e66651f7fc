using Docx2Pdf.Conversion;
using Docx2Pdf.Testing;

namespace Docx2Pdf.Core.Tests.Conversion;

/// <summary>Every real-world corpus document: convertible ones give a PDF with pages, malformed ones a typed failure.</summary>
[Collection(LibreOfficeCollection.Name)]
[Trait("Layer", "Integration")]
public sealed class CorpusConversionTests(LibreOfficeFixture fixture)
{
    // Corpus.Convertible leaves out the XXE case: see LibreOfficeConverterTests.ConvertAsync_DocumentWithExternalEntity_RejectedAsInvalid.
    public static TheoryData<string> ConvertibleDocuments => new(Corpus.Convertible.Select(d => d.LocalFile));

    /// <summary>Broken packages: fuzzer cases, truncated files, no word/document.xml.</summary>
    public static TheoryData<string> BrokenDocuments =>
        new(Corpus.Documents.Where(d => d.Kind.StartsWith("malformed", StringComparison.Ordinal) && d.Kind != "malformed-edge").Select(d => d.LocalFile));

    /// <summary>
    /// Files that crashed other readers (POI, Word) but are valid packages LibreOffice renders (kind malformed-edge):
    /// either outcome is acceptable as long as it is a PDF or a typed failure and the instance stays usable.
    /// </summary>
    public static TheoryData<string> EdgeDocuments =>
        new(Corpus.Documents.Where(d => d.Kind == "malformed-edge").Select(d => d.LocalFile));

    [Theory]
    [MemberData(nameof(ConvertibleDocuments))]
    public async Task ConvertAsync_ConvertibleCorpusDocument_ProducesPdfWithPages(string localFile)
    {
        await using var input = File.OpenRead(Corpus.Get(localFile).FullPath);
        using var output = new MemoryStream();

        await fixture.Converter.ConvertAsync(input, output);

        Pdf.CountPages(output.ToArray()).Should().BeGreaterThanOrEqualTo(1);
    }

    [Theory]
    [MemberData(nameof(BrokenDocuments))]
    public async Task ConvertAsync_BrokenCorpusDocument_FailsTypedAndSameInstanceConvertsNext(string localFile)
    {
        // A pool of one: the good document after the failure runs on the very instance that saw the bad one.
        await using var converter = new LibreOfficeConverter(new LibreOfficeOptions { PoolSize = 1, WorkFolder = fixture.WorkFolder });
        await using (var bad = File.OpenRead(Corpus.Get(localFile).FullPath))
        {
            var act = () => converter.ConvertAsync(bad, Stream.Null);
            var failure = (await act.Should().ThrowAsync<Docx2PdfException>()).Which;
            failure.Kind.Should().BeOneOf(FailureKind.InvalidDocument, FailureKind.ConversionFailed, FailureKind.EngineCrashed);
        }

        await ConvertGoodDocumentAsync(converter);
    }

    [Theory]
    [MemberData(nameof(EdgeDocuments))]
    public async Task ConvertAsync_EdgeCorpusDocument_EndsInPdfOrTypedFailureAndInstanceStaysUsable(string localFile)
    {
        await using var converter = new LibreOfficeConverter(new LibreOfficeOptions { PoolSize = 1, WorkFolder = fixture.WorkFolder });
        using var output = new MemoryStream();
        await using (var edge = File.OpenRead(Corpus.Get(localFile).FullPath))
        {
            try
            {
                await converter.ConvertAsync(edge, output);
                Pdf.CountPages(output.ToArray()).Should().BeGreaterThanOrEqualTo(1);
            }
            catch (Docx2PdfException ex)
            {
                ex.Kind.Should().BeOneOf(FailureKind.InvalidDocument, FailureKind.ConversionFailed, FailureKind.EngineCrashed);
            }
        }

        await ConvertGoodDocumentAsync(converter);
    }

    private static async Task ConvertGoodDocumentAsync(LibreOfficeConverter converter)
    {
        using var output = new MemoryStream();
        await using var good = File.OpenRead(Corpus.Get("python-docx/default.docx").FullPath);
        await converter.ConvertAsync(good, output);
        Pdf.CountPages(output.ToArray()).Should().Be(1);
    }
}
