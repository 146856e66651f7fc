using Docx2Pdf.Conversion;
using Docx2Pdf.Sizing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.Core.Tests.Sizing;

public sealed class ContainerSizingTests
{
    private const long MiB = 1024 * 1024;

    // The table of docs/sizing.md: memory MiB, CPUs -> pool, share MiB, recycle MiB, cap MiB.
    [Theory]
    [InlineData(512, 1.0, 1, 288, 216, 288)]
    [InlineData(1024, 1.0, 1, 736, 552, 736)]
    [InlineData(1024, 2.0, 2, 368, 276, 368)]
    [InlineData(2048, 2.0, 2, 816, 612, 816)]
    [InlineData(4096, 4.0, 4, 856, 642, 856)]
    [InlineData(1024, 4.0, 2, 368, 276, 368)]
    [InlineData(8192, 1.5, 1, 7008, 1024, 2048)]
    [InlineData(256, 0.5, 1, 192, 144, 256)]
    public void For_ContainerSize_GivesTheDocumentedFigures(long memoryMiB, double cpus, int pool, long shareMiB, int recycleMiB, long capMiB)
    {
        var sizing = ContainerSizing.For(new ContainerResources(cpus, "test", memoryMiB * MiB, "test"));

        sizing.PoolSize.Should().Be(pool);
        (sizing.InstanceShareBytes / MiB).Should().Be(shareMiB);
        sizing.RecycleMegabytes.Should().Be(recycleMiB);
        sizing.InstanceMemoryLimitBytes.Should().Be(capMiB * MiB);
    }

    [Fact]
    public void For_PoolSizeGiven_PerInstanceFiguresFollowIt()
    {
        var sizing = ContainerSizing.For(new ContainerResources(2, "test", 2048 * MiB, "test"), poolSize: 4);

        sizing.PoolSize.Should().Be(4);
        (sizing.InstanceShareBytes / MiB).Should().Be(408);
        sizing.RecycleMegabytes.Should().Be(306);
        sizing.InstanceMemoryLimitBytes.Should().Be(408 * MiB);
    }

    [Theory]
    [InlineData(512, 1.0)]
    [InlineData(1024, 2.0)]
    [InlineData(2048, 2.0)]
    [InlineData(4096, 4.0)]
    [InlineData(32768, 8.0)]
    public void For_AnyContainerLargeEnough_ReservesAndInstancesFitInTheLimit(long memoryMiB, double cpus)
    {
        var sizing = ContainerSizing.For(new ContainerResources(cpus, "test", memoryMiB * MiB, "test"));

        (sizing.HostReserveBytes + sizing.TempReserveBytes + (sizing.PoolSize * sizing.InstanceShareBytes)).Should().BeLessThanOrEqualTo(memoryMiB * MiB);
        sizing.PoolSize.Should().BeInRange(1, (int)Math.Max(1, cpus));
        ((long)sizing.RecycleMegabytes * MiB).Should().BeLessThan(sizing.InstanceShareBytes);
    }

    [Fact]
    public void PostConfigure_NothingConfigured_TakesTheDerivedFiguresAndLogsTheirSource()
    {
        var logs = new FakeLogCollector();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)));
        var sizing = new SizeFromContainer(() => new ContainerResources(1, "cgroup v2 /sys/fs/cgroup/cpu.max", 512 * MiB, "cgroup v2 /sys/fs/cgroup/memory.max"), loggerFactory);
        var options = new LibreOfficeOptions();

        sizing.PostConfigure(null, options);

        options.PoolSize.Should().Be(1);
        options.MaxInstanceMemoryMegabytes.Should().Be(216);
        options.InstanceMemoryLimitBytes.Should().Be(288 * MiB);
        var line = logs.GetSnapshot().Should().ContainSingle().Subject;
        line.Id.Id.Should().Be(620);
        line.Message.Should().Contain("PoolSize 1 (derived)").And.Contain("MaxInstanceMemoryMegabytes 216 (derived)")
            .And.Contain("InstanceMemoryLimitBytes 288 MiB (derived)")
            .And.Contain("cgroup v2 /sys/fs/cgroup/memory.max").And.Contain("512 MiB");
    }

    [Fact]
    public void PostConfigure_PoolSizeSetRestNot_KeepsPoolSizeDerivesPerInstanceFiguresForIt()
    {
        var sizing = new SizeFromContainer(() => new ContainerResources(2, "test", 2048 * MiB, "test"), null);
        var options = new LibreOfficeOptions { PoolSize = 4 };

        sizing.PostConfigure(null, options);

        options.PoolSize.Should().Be(4);
        options.MaxInstanceMemoryMegabytes.Should().Be(306);
        options.InstanceMemoryLimitBytes.Should().Be(408 * MiB);
    }

    [Fact]
    public void PostConfigure_CapSetToZero_KeepsNoCap()
    {
        var sizing = new SizeFromContainer(() => new ContainerResources(1, "test", 512 * MiB, "test"), null);
        var options = new LibreOfficeOptions { InstanceMemoryLimitBytes = 0 };

        sizing.PostConfigure(null, options);

        options.InstanceMemoryLimitBytes.Should().Be(0);
        options.PoolSize.Should().Be(1);
    }

    [Fact]
    public void PostConfigure_BothSet_NeverReadsTheContainer()
    {
        var sizing = new SizeFromContainer(() => throw new InvalidOperationException("read"), null);
        var options = new LibreOfficeOptions { PoolSize = 3, MaxInstanceMemoryMegabytes = 700, InstanceMemoryLimitBytes = 900 * MiB };

        sizing.PostConfigure(null, options);

        options.PoolSize.Should().Be(3);
        options.MaxInstanceMemoryMegabytes.Should().Be(700);
        options.InstanceMemoryLimitBytes.Should().Be(900 * MiB);
    }

    [Fact]
    [Trait("Layer", "Integration")] // reading LibreOfficeOptions validates them, which locates the installed LibreOffice (it starts none)
    public void AddDocx2Pdf_ConfiguredInSection_ConfigurationWinsOverTheContainer()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Docx2Pdf:OutputBucket"] = "out",
            ["Docx2Pdf:LibreOffice:PoolSize"] = "7",
            ["Docx2Pdf:LibreOffice:MaxInstanceMemoryMegabytes"] = "333",
            ["Docx2Pdf:LibreOffice:InstanceMemoryLimitBytes"] = "536870912",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddDocx2Pdf(configuration.GetSection("Docx2Pdf"));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<LibreOfficeOptions>>().Value;

        options.PoolSize.Should().Be(7);
        options.MaxInstanceMemoryMegabytes.Should().Be(333);
        options.InstanceMemoryLimitBytes.Should().Be(512 * MiB);
    }

    [Fact]
    [Trait("Layer", "Integration")] // reading LibreOfficeOptions validates them, which locates the installed LibreOffice (it starts none)
    public void AddDocx2Pdf_SectionWithOtherLibreOfficeSettingsOnly_FiguresStillComeFromTheContainer()
    {
        // As in the image: Docx2Pdf__LibreOffice__ProfileTemplateFolder set, nothing about sizing.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Docx2Pdf:OutputBucket"] = "out",
            ["Docx2Pdf:LibreOffice:ProfileTemplateFolder"] = "/opt/docx2pdf/profile",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddDocx2Pdf(configuration.GetSection("Docx2Pdf"));
        services.Remove(services.Single(d => d.ImplementationType == typeof(SizeFromContainer)));
        services.AddSingleton<IPostConfigureOptions<LibreOfficeOptions>>(new SizeFromContainer(() => new ContainerResources(1, "test", 512 * MiB, "test"), null));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<LibreOfficeOptions>>().Value;

        options.ProfileTemplateFolder.Should().Be("/opt/docx2pdf/profile");
        options.PoolSize.Should().Be(1);
        options.MaxInstanceMemoryMegabytes.Should().Be(216);
        options.InstanceMemoryLimitBytes.Should().Be(288 * MiB);
    }

    [Fact]
    [Trait("Layer", "Integration")] // reading LibreOfficeOptions validates them, which locates the installed LibreOffice (it starts none)
    public void AddDocx2Pdf_NothingConfigured_FiguresComeFromThisContainer()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Docx2Pdf:OutputBucket"] = "out",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddDocx2Pdf(configuration.GetSection("Docx2Pdf"));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<LibreOfficeOptions>>().Value;

        var expected = ContainerSizing.For(ContainerResources.Read());
        options.PoolSize.Should().Be(expected.PoolSize);
        options.MaxInstanceMemoryMegabytes.Should().Be(expected.RecycleMegabytes);
        options.InstanceMemoryLimitBytes.Should().Be(expected.InstanceMemoryLimitBytes);
    }

    [Fact]
    [Trait("Layer", "Integration")] // reading LibreOfficeOptions validates them, which locates the installed LibreOffice (it starts none)
    public void AddDocx2Pdf_SetInCode_CodeWinsOverTheContainer()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddDocx2Pdf(o => o.OutputBucket = "out");
        services.Configure<LibreOfficeOptions>(o => o.PoolSize = 9);
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IOptions<LibreOfficeOptions>>().Value.PoolSize.Should().Be(9);
    }
}
