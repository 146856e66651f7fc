using System.Globalization;
using System.Text;
using Docx2Pdf.Core.Tests.Conversion;
using Docx2Pdf.Pipeline;

namespace Docx2Pdf.Core.Tests.Pipeline;

/// <summary>
/// The pipeline with real LibreOffice: what only the engine decides (a real PDF comes out, a real broken document is
/// classified). The pipeline's own decisions run without LibreOffice in <see cref="ConversionPipelineTests"/>.
/// </summary>
[Trait("Layer", "Integration")]
[Collection(LibreOfficeCollection.Name)]
public sealed class ConversionPipelineEngineTests(LibreOfficeFixture fixture)
{
    private const string In = PipelineHarness.InputBucket;
    private const string Out = PipelineHarness.OutputBucket;

    [Fact]
    public async Task ProcessAsync_CorpusDocument_WritesOneRealPdfLabelledWithItsSource()
    {
        using var h = PipelineHarness.Create(fixture.Converter);
        var source = await h.PutCorpusAsync(In, "reports/Quarterly Report.docx", "poi/sample.docx");

        var outcome = await h.Pipeline.ProcessAsync(h.Notification(source));

        outcome.Status.Should().Be(ConversionStatus.Converted, outcome.Detail);
        var pdf = await h.InfoAsync(Out, "reports/Quarterly Report.pdf");
        pdf!.ContentType.Should().Be("application/pdf");
        pdf.Metadata.Should().Contain(OutputMetadata.SourceGenerationKey, source.Generation.ToString(CultureInfo.InvariantCulture));
        var bytes = await h.ReadAsync(pdf);
        Encoding.ASCII.GetString(bytes[..5]).Should().Be("%PDF-");
        Pdf.CountPages(bytes).Should().BeGreaterThanOrEqualTo(1);
        h.Store.TotalUploads.Should().Be(1);
        h.AssertNoTempFiles();
    }

    [Fact]
    public async Task ProcessAsync_MalformedCorpusDocument_WritesFailureRecordAndFailsPermanently()
    {
        using var h = PipelineHarness.Create(fixture.Converter);
        var source = await h.PutCorpusAsync(In, "broken/truncated62886.docx", "poi/truncated62886.docx");

        var outcome = await h.Pipeline.ProcessAsync(h.Notification(source, messageId: "broken-1"));

        outcome.Status.Should().Be(ConversionStatus.FailedPermanently, outcome.Detail);
        outcome.FailureKind.Should().Be(FailureKind.InvalidDocument);
        (await h.InfoAsync(Out, "broken/truncated62886.pdf")).Should().BeNull();
        var record = await h.ReadFailureRecordAsync("broken/truncated62886.docx");
        record!.FailureKind.Should().Be("invalid_document");
        record.MessageId.Should().Be("broken-1");
        h.AssertNoTempFiles();
    }
}
