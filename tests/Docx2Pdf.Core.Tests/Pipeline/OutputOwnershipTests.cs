using Docx2Pdf.Pipeline;
using Docx2Pdf.Testing.Doubles;

namespace Docx2Pdf.Core.Tests.Pipeline;

// Issue 9 build 3 and 12: never overwrite what the library did not write; a later generation that converts removes the
// failure record of an earlier one. Through AddDocx2Pdf with the stand-in converter and the real local-folder store.
public sealed class OutputOwnershipTests
{
    private const string In = PipelineHarness.InputBucket;
    private const string Out = PipelineHarness.OutputBucket;

    [Fact]
    public async Task ForeignObjectAtTheOutputName_IsLeftAloneAndTheEventRecordedAsOutputConflict()
    {
        var converter = new GatedConverter();
        using var h = PipelineHarness.Create(converter);
        var users = await h.PutAsync(Out, "contracts/contract.pdf", new MemoryStream("the user's own signed contract"u8.ToArray()));
        var source = await h.PutAsync(In, "contracts/contract.docx", new MemoryStream("a draft"u8.ToArray()));

        var outcome = await h.Pipeline.ProcessAsync(h.Notification(source));

        outcome.Status.Should().Be(ConversionStatus.FailedPermanently);
        outcome.FailureKind.Should().Be(FailureKind.OutputConflict);
        outcome.ShouldAcknowledge.Should().BeTrue("a retry cannot change whose object it is");
        var now = await h.InfoAsync(Out, "contracts/contract.pdf");
        now!.Generation.Should().Be(users.Generation, "the user's object is not replaced");
        (await h.ReadAsync(now)).Should().Equal("the user's own signed contract"u8.ToArray());
        converter.Started.Should().Be(0, "nothing is converted for an output that cannot be written");
        var record = await h.ReadFailureRecordAsync("contracts/contract.docx");
        record!.FailureKind.Should().Be("output_conflict");
        record.Message.Should().Contain("Docx2Pdf:OverwriteForeignOutputs");
    }

    [Fact]
    public async Task ForeignObjectAtTheOutputName_WithOverwriteForeignOutputs_IsReplacedByThePdf()
    {
        using var h = PipelineHarness.Create(new GatedConverter(), o => o.OverwriteForeignOutputs = true);
        await h.PutAsync(Out, "contract.pdf", new MemoryStream("an old hand-made PDF"u8.ToArray()));
        var source = await h.PutAsync(In, "contract.docx", new MemoryStream("a draft"u8.ToArray()));

        var outcome = await h.Pipeline.ProcessAsync(h.Notification(source));

        outcome.Status.Should().Be(ConversionStatus.Converted);
        var pdf = await h.InfoAsync(Out, "contract.pdf");
        pdf!.Metadata[OutputMetadata.MarkerKey].Should().Be(OutputMetadata.PdfMarker);
        (await h.ReadAsync(pdf)).Should().Equal(GatedConverter.PdfBytes);
    }

    [Fact]
    public async Task LaterGenerationConverts_RemovesTheEarlierGenerationsFailureRecord()
    {
        var converter = new GatedConverter { FailWhen = b => b[0] == (byte)'1' ? new DocumentRejectedException(FailureKind.InvalidDocument, "Not a document (test).") : null };
        using var h = PipelineHarness.Create(converter);
        var broken = await h.PutAsync(In, "fixed/report.docx", new MemoryStream("1 broken upload"u8.ToArray()));
        (await h.Pipeline.ProcessAsync(h.Notification(broken))).Status.Should().Be(ConversionStatus.FailedPermanently);
        (await h.ReadFailureRecordAsync("fixed/report.docx")).Should().NotBeNull();

        var fixedUpload = await h.PutAsync(In, "fixed/report.docx", new MemoryStream("2 fixed upload"u8.ToArray()));
        var outcome = await h.Pipeline.ProcessAsync(h.Notification(fixedUpload));

        outcome.Status.Should().Be(ConversionStatus.Converted);
        (await h.ReadFailureRecordAsync("fixed/report.docx")).Should().BeNull("the PDF of the newer generation supersedes the record");
        (await h.InfoAsync(Out, "fixed/report.pdf")).Should().NotBeNull();
        h.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 417, "the removal is logged");
    }

    [Fact]
    public async Task RecordOfAnotherSourceAtTheSameName_IsNotRemoved()
    {
        // A record names its source; a conversion removes only its own source's records.
        using var h = PipelineHarness.Create(new GatedConverter());
        var foreignRecord = await h.PutAsync(
            Out,
            h.Options.FailurePrefix + "shared.docx.json",
            new MemoryStream("{}"u8.ToArray()),
            new Dictionary<string, string>
            {
                [OutputMetadata.MarkerKey] = OutputMetadata.FailureRecordMarker,
                [OutputMetadata.SourceBucketKey] = "another-bucket",
                [OutputMetadata.SourceObjectKey] = "shared.docx",
                [OutputMetadata.SourceGenerationKey] = "1",
            });
        var source = await h.PutAsync(In, "shared.docx", new MemoryStream("a document"u8.ToArray()));

        (await h.Pipeline.ProcessAsync(h.Notification(source))).Status.Should().Be(ConversionStatus.Converted);

        (await h.InfoAsync(Out, foreignRecord.Name))!.Generation.Should().Be(foreignRecord.Generation);
    }
}
