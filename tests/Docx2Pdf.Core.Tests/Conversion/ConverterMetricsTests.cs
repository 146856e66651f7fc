using System.Diagnostics.Metrics;
using Docx2Pdf.Conversion;
using Docx2Pdf.Diagnostics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.Core.Tests.Conversion;

/// <summary>The pool's gauges and restart counter, and the start-up work paid before an instance counts as ready.</summary>
[Trait("Layer", "Integration")]
public sealed class ConverterMetricsTests : IDisposable
{
    private readonly string _workFolder = TestFolders.Create("metrics");
    private readonly TestMeterFactory _meters = new();

    public void Dispose()
    {
        _meters.Dispose();
        Directory.Delete(_workFolder, recursive: true);
    }

    [Fact]
    public async Task Gauges_WarmPool_ReportReadyBusyAndQueue()
    {
        await using var converter = NewConverter(new LibreOfficeOptions { PoolSize = 2, WorkFolder = _workFolder });
        var meter = _meters.Meters.Single();
        using var ready = new MetricCollector<int>(meter, ConverterMetrics.ReadyInstrument);
        using var busy = new MetricCollector<int>(meter, ConverterMetrics.BusyInstrument);
        using var queue = new MetricCollector<int>(meter, ConverterMetrics.QueueInstrument);

        await converter.WarmUpAsync();
        ready.RecordObservableInstruments();
        busy.RecordObservableInstruments();
        queue.RecordObservableInstruments();

        ready.LastMeasurement!.Value.Should().Be(2);
        busy.LastMeasurement!.Value.Should().Be(0);
        queue.LastMeasurement!.Value.Should().Be(0);
    }

    [Fact]
    public async Task Restarts_AfterConversionCountReached_CountedWithReason()
    {
        await using var converter = NewConverter(new LibreOfficeOptions { PoolSize = 1, MaxConversionsPerInstance = 1, WorkFolder = _workFolder });
        using var restarts = new MetricCollector<long>(_meters.Meters.Single(), ConverterMetrics.RestartsInstrument);

        await converter.ConvertAsync(new MemoryStream(TestDocuments.Simple("one")), Stream.Null);

        var restart = restarts.GetMeasurementSnapshot().Should().ContainSingle().Subject;
        restart.Value.Should().Be(1);
        restart.Tags[ConverterMetrics.ReasonTag].Should().Be("conversion_count");
    }

    [Fact]
    public async Task Restarts_PrivateMemoryAboveThreshold_CountedWithReasonMemory()
    {
        await using var converter = NewConverter(new LibreOfficeOptions { PoolSize = 1, MaxInstanceMemoryMegabytes = 1, WorkFolder = _workFolder });
        using var restarts = new MetricCollector<long>(_meters.Meters.Single(), ConverterMetrics.RestartsInstrument);

        await converter.ConvertAsync(new MemoryStream(TestDocuments.Simple("one")), Stream.Null);

        var restart = restarts.GetMeasurementSnapshot().Should().ContainSingle().Subject;
        restart.Tags[ConverterMetrics.ReasonTag].Should().Be("memory");
        using var output = new MemoryStream();
        await converter.ConvertAsync(new MemoryStream(TestDocuments.Simple("two")), output);
        Pdf.Text(output.ToArray()).Should().Contain("two", "the replacement instance serves the next document");
        restarts.GetMeasurementSnapshot().Should().HaveCount(2).And.OnlyContain(m => (string?)m.Tags[ConverterMetrics.ReasonTag] == "memory");
    }

    [Fact]
    public async Task Restarts_ThresholdBetweenPrivateMemoryAndRss_SharedLibraryPagesDoNotCount()
    {
        const long MiB = 1024 * 1024;
        long privateBytes, rssBytes;
        await using (var probe = NewConverter(new LibreOfficeOptions { PoolSize = 1, WorkFolder = _workFolder }))
        {
            await probe.ConvertAsync(new MemoryStream(TestDocuments.Simple("probe")), Stream.Null);
            var pid = probe.InstanceProcesses.Single().SofficePid;
            privateBytes = ProcFs.ReadPrivateBytes(pid)!.Value;
            rssBytes = ProcFs.ReadRssBytes(pid)!.Value;
        }

        (rssBytes - privateBytes).Should().BeGreaterThan(64 * MiB, "VmRSS also counts the library pages every instance maps");
        var threshold = (int)((privateBytes + rssBytes) / 2 / MiB);
        await using var converter = NewConverter(new LibreOfficeOptions { PoolSize = 1, MaxInstanceMemoryMegabytes = threshold, WorkFolder = _workFolder });
        using var restarts = new MetricCollector<long>(_meters.Meters.Last(), ConverterMetrics.RestartsInstrument);

        await converter.ConvertAsync(new MemoryStream(TestDocuments.Simple("one")), Stream.Null);
        await converter.ConvertAsync(new MemoryStream(TestDocuments.Simple("two")), Stream.Null);

        var soffice = converter.InstanceProcesses.Single().SofficePid;
        ProcFs.ReadRssBytes(soffice).Should().BeGreaterThan(threshold * MiB, "compared with VmRSS, this instance would have been recycled");
        restarts.GetMeasurementSnapshot().Should().BeEmpty("its private memory is under the threshold");
    }

    [Fact]
    public async Task WarmUpAsync_ProfileTemplateFolder_PreparedOnceThenReused()
    {
        var profile = Path.Combine(_workFolder, "prepared-profile");
        await using (var first = NewConverter(new LibreOfficeOptions { PoolSize = 1, WorkFolder = _workFolder, ProfileTemplateFolder = profile }))
        {
            await first.WarmUpAsync();
        }

        var marker = Path.Combine(profile, PreparedProfile.MarkerFile);
        File.Exists(marker).Should().BeTrue("the first converter prepared the folder");
        var prepared = File.GetLastWriteTimeUtc(marker);
        await using var second = NewConverter(new LibreOfficeOptions { PoolSize = 1, WorkFolder = _workFolder, ProfileTemplateFolder = profile });

        using var output = new MemoryStream();
        await second.ConvertAsync(new MemoryStream(TestDocuments.Simple("From a reused profile")), output);

        File.GetLastWriteTimeUtc(marker).Should().Be(prepared, "the second converter reused it as it was");
        Directory.Exists(Path.Combine(second.RootFolder, "profile-template")).Should().BeFalse("no private profile was prepared");
        Pdf.Text(output.ToArray()).Should().Contain("From a reused profile");
    }

    [Fact]
    public async Task PrepareProfileTemplateAsync_Folder_PreparedWithoutAnInstanceAndReusedByAConverter()
    {
        var profile = Path.Combine(_workFolder, "image-profile");

        await LibreOfficeConverter.PrepareProfileTemplateAsync(new LibreOfficeOptions { WorkFolder = _workFolder, ProfileTemplateFolder = profile });

        var marker = Path.Combine(profile, PreparedProfile.MarkerFile);
        File.Exists(marker).Should().BeTrue();
        Directory.EnumerateDirectories(_workFolder).Should().BeEquivalentTo([profile], "its scratch folder is gone and no instance was started");
        var prepared = File.GetLastWriteTimeUtc(marker);
        await using var converter = NewConverter(new LibreOfficeOptions { PoolSize = 1, WorkFolder = _workFolder, ProfileTemplateFolder = profile });
        using var output = new MemoryStream();
        await converter.ConvertAsync(new MemoryStream(TestDocuments.Simple("From the image's profile")), output);

        File.GetLastWriteTimeUtc(marker).Should().Be(prepared, "the converter reused it as it was");
        Directory.Exists(Path.Combine(converter.RootFolder, "profile-template")).Should().BeFalse("no private profile was prepared");
        Pdf.Text(output.ToArray()).Should().Contain("From the image's profile");
    }

    [Fact]
    public async Task PrepareProfileTemplateAsync_NoFolder_FailsNamingTheSetting()
    {
        var act = () => LibreOfficeConverter.PrepareProfileTemplateAsync(new LibreOfficeOptions { WorkFolder = _workFolder });

        (await act.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("Docx2Pdf:LibreOffice:ProfileTemplateFolder");
    }

    private LibreOfficeConverter NewConverter(LibreOfficeOptions options) =>
        new(Options.Create(options), NullLogger<LibreOfficeConverter>.Instance, TimeProvider.System, _meters);

    /// <summary>Hands the converter its own meter, so measurements of converters in other tests never mix in.</summary>
    private sealed class TestMeterFactory : IMeterFactory
    {
        public List<Meter> Meters { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
            Meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Meters)
            {
                meter.Dispose();
            }
        }
    }
}
