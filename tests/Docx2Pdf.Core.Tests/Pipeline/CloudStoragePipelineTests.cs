using Docx2Pdf.Core.Tests.Conversion;
using Docx2Pdf.Pipeline;
using Docx2Pdf.Storage;
using Docx2Pdf.Testing.Storage;

namespace Docx2Pdf.Core.Tests.Pipeline;

/// <summary>
/// The pipeline over <see cref="GcsObjectStore"/> speaking HTTP to <see cref="GcsTestServer"/> on 127.0.0.1, with the real
/// converter: storage faults injected as HTTP statuses.
/// </summary>
[Trait("Layer", "Integration")]
[Collection(LibreOfficeCollection.Name)]
public sealed class CloudStoragePipelineTests(LibreOfficeFixture fixture) : IAsyncLifetime
{
    private const string In = PipelineHarness.InputBucket;
    private const string Out = PipelineHarness.OutputBucket;
    private GcsTestServer _server = null!;

    public async Task InitializeAsync() => _server = await GcsTestServer.StartAsync();

    public Task DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task ProcessAsync_GcsTestServerAnswers503_TransientWithoutRecordThenConvertsOnNextTry()
    {
        // No client retries: the 503 reaches the pipeline.
        using var store = CreateStore(maxRetryAttempts: 0);
        using var h = PipelineHarness.Create(fixture.Converter, store: store);
        var source = await h.PutCorpusAsync(In, "cloud/report.docx", "poi/sample.docx");
        var notification = h.Notification(source);

        _server.FailNext(1, 503);
        var first = await h.Pipeline.ProcessAsync(notification);

        first.Status.Should().Be(ConversionStatus.FailedTransiently, first.Detail);
        first.FailureKind.Should().Be(FailureKind.StorageTransient);
        first.RetryAfter.Should().BePositive();
        first.ShouldAcknowledge.Should().BeFalse();
        _server.ListObjects(Out).Should().BeEmpty("a transient failure writes neither a PDF nor a failure record");

        var second = await h.Pipeline.ProcessAsync(notification);

        second.Status.Should().Be(ConversionStatus.Converted, second.Detail);
        _server.ListObjects(Out).Should().Equal("cloud/report.pdf");
        var pdf = _server.GetObject(Out, "cloud/report.pdf")!.Value;
        pdf.ContentType.Should().Be("application/pdf");
        pdf.Metadata.Should().Contain(OutputMetadata.SourceGenerationKey, source.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture));
        System.Text.Encoding.ASCII.GetString(pdf.Data[..5]).Should().Be("%PDF-");
        h.AssertNoTempFiles();
    }

    [Fact]
    public async Task ProcessAsync_Upload503_TransientThenConverts()
    {
        using var store = CreateStore(maxRetryAttempts: 0);
        using var h = PipelineHarness.Create(fixture.Converter, store: store);
        var source = await h.PutCorpusAsync(In, "cloud/upload-fault.docx", "poi/sample.docx");
        var notification = h.Notification(source);

        _server.FailNext(1, 503, "POST");
        var first = await h.Pipeline.ProcessAsync(notification);
        var second = await h.Pipeline.ProcessAsync(notification);

        first.Status.Should().Be(ConversionStatus.FailedTransiently, first.Detail);
        second.Status.Should().Be(ConversionStatus.Converted, second.Detail);
        _server.ListObjects(Out).Should().Equal("cloud/upload-fault.pdf");
        h.AssertNoTempFiles();
    }

    [Fact]
    public async Task ProcessAsync_Download503_TransientWithoutRecordThenConverts()
    {
        using var store = CreateStore(maxRetryAttempts: 0);
        using var h = PipelineHarness.Create(fixture.Converter, store: store);
        var source = await h.PutCorpusAsync(In, "cloud/download-fault.docx", "poi/sample.docx");
        var notification = h.Notification(source);

        _server.FailNext(1, 503, r => r.Contains("alt=media", StringComparison.Ordinal));
        var first = await h.Pipeline.ProcessAsync(notification);

        first.Status.Should().Be(ConversionStatus.FailedTransiently, first.Detail);
        first.FailureKind.Should().Be(FailureKind.StorageTransient);
        _server.ListObjects(Out).Should().BeEmpty();
        h.AssertNoTempFiles();

        var second = await h.Pipeline.ProcessAsync(notification);

        second.Status.Should().Be(ConversionStatus.Converted, second.Detail);
        _server.ListObjects(Out).Should().Equal("cloud/download-fault.pdf");
        h.AssertNoTempFiles();
    }

    [Fact]
    public async Task ProcessAsync_Brief503WithClientRetries_ConvertsFirstTime()
    {
        using var store = CreateStore(maxRetryAttempts: 3);
        using var h = PipelineHarness.Create(fixture.Converter, store: store);
        var source = await h.PutCorpusAsync(In, "cloud/retried.docx", "poi/sample.docx");

        _server.FailNext(2, 503);
        var outcome = await h.Pipeline.ProcessAsync(h.Notification(source));

        outcome.Status.Should().Be(ConversionStatus.Converted, outcome.Detail);
        _server.ListObjects(Out).Should().Equal("cloud/retried.pdf");
    }

    [Fact]
    public async Task ProcessAsync_SameEventTenTimesAtOnceOverHttp_WritesOnce()
    {
        using var store = CreateStore(maxRetryAttempts: 3);
        using var h = PipelineHarness.Create(fixture.Converter, store: store);
        using var other = PipelineHarness.Create(fixture.Converter, store: store);
        var source = await h.PutCorpusAsync(In, "cloud/parallel.docx", "poi/sample.docx");
        var notification = h.Notification(source);

        // Two workers (pipelines) sharing the bucket, five deliveries each: preconditions on the server decide.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            Task.Run(() => (i % 2 == 0 ? h : other).Pipeline.ProcessAsync(notification))));

        outcomes.Should().OnlyContain(o => o.Status == ConversionStatus.Converted || o.Status == ConversionStatus.Duplicate);
        outcomes.Count(o => o.Status == ConversionStatus.Converted).Should().Be(1);
        (h.Store.TotalUploads + other.Store.TotalUploads).Should().Be(1);
        _server.ListObjects(Out).Should().Equal("cloud/parallel.pdf");
    }

    private GcsObjectStore CreateStore(int maxRetryAttempts) => new(new GcsObjectStoreOptions
    {
        BaseUri = _server.BaseUri,
        UnauthenticatedAccess = true,
        MaxRetryAttempts = maxRetryAttempts,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
    });
}
