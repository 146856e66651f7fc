using Docx2Pdf.Conversion;
using Docx2Pdf.Readiness;
using Docx2Pdf.Storage;
using Docx2Pdf.Testing.Doubles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Docx2Pdf.Core.Tests.Readiness;

// The one readiness both adapters translate: pure decisions over a stand-in pool and a local-folder store (no LibreOffice).
public sealed class Docx2PdfReadinessTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("docx2pdf-readiness-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task CheckAsync_NoInstanceWarm_NotReady()
    {
        var report = await CheckAsync(new WarmPool(ready: 0, size: 2), LocalStore());

        report.Status.Should().Be(ReadinessStatus.NotReady);
        report.Description.Should().Contain("warm");
        report.Data["readyInstances"].Should().Be(0);
    }

    [Fact]
    public async Task CheckAsync_SomeInstancesRestarting_Degraded()
    {
        var report = await CheckAsync(new WarmPool(ready: 1, size: 2), LocalStore());

        report.Status.Should().Be(ReadinessStatus.Degraded);
        report.Description.Should().Be("1 of 2 LibreOffice instances are warm.");
    }

    [Fact]
    public async Task CheckAsync_PoolWarmAndProbeObjectMissing_Ready()
    {
        var report = await CheckAsync(new WarmPool(ready: 2, size: 2), LocalStore());

        report.Status.Should().Be(ReadinessStatus.Ready, "'not found' on the probe object is an answer from the store");
        report.Data["poolSize"].Should().Be(2);
    }

    [Fact]
    public async Task CheckAsync_StorageFails_NotReady()
    {
        var report = await CheckAsync(new WarmPool(ready: 2, size: 2), new FailingStore());

        report.Status.Should().Be(ReadinessStatus.NotReady);
        report.Description.Should().Contain("Storage did not answer");
    }

    [Fact]
    public async Task CheckAsync_ConverterWithoutPool_ReadyOnStorageAlone()
    {
        var report = await CheckAsync(new GatedConverter(), LocalStore());

        report.Status.Should().Be(ReadinessStatus.Ready);
        report.Data.Should().BeEmpty("a converter without warm instances has no pool to report");
    }

    [Fact]
    public async Task CheckAsync_NoConverterRegistered_NotReady()
    {
        var report = await CheckAsync(converter: null, LocalStore());

        report.Status.Should().Be(ReadinessStatus.NotReady);
        report.Description.Should().Contain("AddDocx2Pdf");
    }

    private FileSystemObjectStore LocalStore() => new(new FileSystemObjectStoreOptions { RootPath = _root });

    private static async Task<ReadinessReport> CheckAsync(IDocumentConverter? converter, IObjectStore store)
    {
        var services = new ServiceCollection();
        services.AddOptions();
        services.Configure<Docx2PdfOptions>(o => o.OutputBucket = "out");
        if (converter is not null)
        {
            services.AddSingleton(converter);
        }

        services.AddSingleton(store);
        services.AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>));
        services.AddSingleton<Docx2PdfReadiness>();
        await using var provider = services.BuildServiceProvider();
        return await provider.GetRequiredService<Docx2PdfReadiness>().CheckAsync();
    }

    private sealed class WarmPool(int ready, int size) : IDocumentConverter, IWarmConverter
    {
        public int PoolSize => size;

        public int ReadyInstances => ready;

        public Task<ConversionResult> ConvertAsync(Stream input, Stream output, PdfConversionOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<ConversionResult> ConvertAsync(string inputPath, string outputPath, PdfConversionOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
    }

    private sealed class FailingStore : IObjectStore
    {
        public Task<ObjectInfo?> GetInfoAsync(string bucket, string objectName, CancellationToken cancellationToken = default) =>
            throw new StorageException(FailureKind.StorageTransient, "connection refused");

        public Task DownloadAsync(string bucket, string objectName, long generation, Stream destination, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<ObjectInfo> UploadAsync(string bucket, string objectName, Stream content, ObjectWriteOptions options, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task DeleteAsync(string bucket, string objectName, long? ifGenerationMatch = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
    }
}
