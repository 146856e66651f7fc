using Docx2Pdf.Conversion;
using Docx2Pdf.Pipeline;

namespace Docx2Pdf.Core.Tests.Pipeline;

// Failure policy decisions that need no LibreOffice: the converter here fails the test if it is ever called.
public sealed class PipelineFailureTests
{
    private const string In = PipelineHarness.InputBucket;

    [Fact]
    public async Task ProcessAsync_OutputNameSelectorThrowsOnTheLastAttempt_GivesUpWithAFailureRecord()
    {
        // The last-resort path goes through the same retry ceiling as every other failure: not retried forever.
        using var h = PipelineHarness.Create(new UnusedConverter(), o =>
        {
            o.MaxDeliveryAttempts = 3;
            o.OutputNameSelector = _ => throw new InvalidOperationException("bug in the host");
        });
        var source = await h.PutAsync(In, "selector-bug.docx", new MemoryStream("not really a document"u8.ToArray()));

        var early = await h.Pipeline.ProcessAsync(h.Notification(source, deliveryAttempt: 1));
        var last = await h.Pipeline.ProcessAsync(h.Notification(source, deliveryAttempt: 3));

        early.Status.Should().Be(ConversionStatus.FailedTransiently);
        last.Status.Should().Be(ConversionStatus.FailedPermanently);
        last.FailureKind.Should().Be(FailureKind.StorageTransient);
        last.Detail.Should().NotContain("bug in the host");
        (await h.ReadFailureRecordAsync(source.Name)).Should().NotBeNull("a permanent failure is explained by a record");
    }

    [Fact]
    public async Task ProcessAsync_UnexpectedErrorOfAnEventOlderThanMaxRetryAge_GivesUpWithAFailureRecord()
    {
        using var h = PipelineHarness.Create(new UnusedConverter(), o =>
        {
            o.MaxRetryAge = TimeSpan.FromHours(24);
            o.OutputNameSelector = _ => throw new InvalidOperationException("bug in the host");
        });
        var source = await h.PutAsync(In, "old-selector-bug.docx", new MemoryStream("not really a document"u8.ToArray()));

        var young = await h.Pipeline.ProcessAsync(h.Notification(source, publishTime: h.Time.GetUtcNow() - TimeSpan.FromHours(23)));
        var old = await h.Pipeline.ProcessAsync(h.Notification(source, publishTime: h.Time.GetUtcNow() - TimeSpan.FromHours(25)));

        young.Status.Should().Be(ConversionStatus.FailedTransiently);
        old.Status.Should().Be(ConversionStatus.FailedPermanently);
        (await h.ReadFailureRecordAsync(source.Name))!.Message.Should().Contain("Docx2Pdf:MaxRetryAge");
    }

    private sealed class UnusedConverter : IDocumentConverter
    {
        public Task<ConversionResult> ConvertAsync(Stream input, Stream output, PdfConversionOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("The converter must not be reached in this test.");

        public Task<ConversionResult> ConvertAsync(string inputPath, string outputPath, PdfConversionOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("The converter must not be reached in this test.");
    }
}
