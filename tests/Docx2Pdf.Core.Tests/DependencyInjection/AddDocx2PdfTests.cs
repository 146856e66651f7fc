using Docx2Pdf.Conversion;
using Docx2Pdf.Notifications;
using Docx2Pdf.Pipeline;
using Docx2Pdf.Testing;
using Docx2Pdf.Testing.Storage;
using Docx2Pdf.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.Core.Tests.DependencyInjection;

[Collection(EnvironmentCollection.Name)]
public sealed class AddDocx2PdfTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "docx2pdf-di-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task AddDocx2Pdf_MissingOutputBucket_FailsAtStartNamingTheSetting()
    {
        using var env = EnvironmentScope.Clean();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddDocx2Pdf();
        using var host = builder.Build();

        var start = () => host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>())
            .Which.Message.Should().Contain("Docx2Pdf:OutputBucket");
    }

    [Fact]
    public void AddDocx2Pdf_OutputBucketEnvironmentVariable_IsHonoured()
    {
        using var env = EnvironmentScope.Clean(("OUTPUT_BUCKET", "sample-pdfs"));
        using var services = new ServiceCollection().AddDocx2Pdf().Services.BuildServiceProvider();

        var options = services.GetRequiredService<IOptions<Docx2PdfOptions>>().Value;

        options.OutputBucket.Should().Be("sample-pdfs");
        options.Storage.Provider.Should().Be(StorageProvider.CloudStorage, "OUTPUT_BUCKET means the sample's Cloud Run deployment");
    }

    [Fact]
    public void AddDocx2Pdf_ConfiguredBucket_WinsOverEnvironmentVariable()
    {
        using var env = EnvironmentScope.Clean(("OUTPUT_BUCKET", "sample-pdfs"));
        using var services = new ServiceCollection().AddDocx2Pdf(o => o.OutputBucket = "configured").Services.BuildServiceProvider();

        services.GetRequiredService<IOptions<Docx2PdfOptions>>().Value.OutputBucket.Should().Be("configured");
    }

    [Fact]
    public void AddDocx2Pdf_CalledTwice_RegistersEachServiceOnceAndAppliesBoth()
    {
        using var env = EnvironmentScope.Clean();
        var services = new ServiceCollection();

        var builder = services.AddDocx2Pdf(o => o.OutputBucket = "twice");
        services.AddDocx2Pdf(o => o.OutputPrefix = "pdf/");
        services.AddDocx2Pdf();

        builder.Services.Should().BeSameAs(services);
        foreach (var type in new[] { typeof(IConversionPipeline), typeof(IObjectStore), typeof(IDocumentConverter), typeof(LibreOfficeConverter), typeof(IHostedService), typeof(TimeProvider), typeof(IPostConfigureOptions<Docx2PdfOptions>) })
        {
            services.Count(d => d.ServiceType == type).Should().Be(1, type.Name);
        }

        services.Count(d => d.ServiceType == typeof(IValidateOptions<Docx2PdfOptions>)).Should().Be(2, "one generated and one cross-field validator");
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<Docx2PdfOptions>>().Value;
        options.OutputBucket.Should().Be("twice");
        options.OutputPrefix.Should().Be("pdf/");
    }

    [Fact]
    [Trait("Layer", "Integration")] // reading LibreOfficeOptions validates them, which locates the installed LibreOffice (it starts none)
    public void AddDocx2Pdf_ConfigurationSection_BindsEverySetting()
    {
        using var env = EnvironmentScope.Clean();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Docx2Pdf:OutputBucket"] = "bound-pdfs",
            ["Docx2Pdf:OutputPrefix"] = "out/",
            ["Docx2Pdf:FailurePrefix"] = "why/",
            ["Docx2Pdf:Extensions:0"] = ".ODT",
            ["Docx2Pdf:Extensions:1"] = ".rtf",
            ["Docx2Pdf:MaxDocumentBytes"] = "2048",
            ["Docx2Pdf:MaxDeliveryAttempts"] = "7",
            ["Docx2Pdf:MaxRetryAge"] = "02:00:00",
            ["Docx2Pdf:WorkFolder"] = Path.Combine(_root, "work"),
            ["Docx2Pdf:Storage:Provider"] = "FileSystem",
            ["Docx2Pdf:Storage:LocalRoot"] = Path.Combine(_root, "data"),
            ["Docx2Pdf:LibreOffice:PoolSize"] = "3",
        }).Build();
        using var services = new ServiceCollection().AddDocx2Pdf(configuration.GetSection("Docx2Pdf")).Services.BuildServiceProvider();

        var options = services.GetRequiredService<IOptions<Docx2PdfOptions>>().Value;

        options.OutputBucket.Should().Be("bound-pdfs");
        options.OutputPrefix.Should().Be("out/");
        options.FailurePrefix.Should().Be("why/");
        options.Extensions.Should().Equal([".ODT", ".rtf"], "a configured list replaces the default one");
        options.MaxDocumentBytes.Should().Be(2048);
        options.MaxDeliveryAttempts.Should().Be(7);
        options.MaxRetryAge.Should().Be(TimeSpan.FromHours(2));
        options.WorkFolder.Should().Be(Path.Combine(_root, "work"));
        options.Storage.Provider.Should().Be(StorageProvider.FileSystem);
        services.GetRequiredService<IObjectStore>().Should().BeOfType<FileSystemObjectStore>();
        services.GetRequiredService<IOptions<FileSystemObjectStoreOptions>>().Value.RootPath.Should().Be(Path.Combine(_root, "data"));
        var libreOffice = services.GetRequiredService<IOptions<LibreOfficeOptions>>().Value;
        libreOffice.PoolSize.Should().Be(3);
        libreOffice.EnabledFormats.Should().Contain([InputFormat.Odt, InputFormat.Rtf], "the converter accepts what the pipeline converts");
    }

    [Fact]
    public void AddDocx2Pdf_WithoutArguments_BindsTheHostConfiguration()
    {
        using var env = EnvironmentScope.Clean();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Docx2Pdf:OutputBucket"] = "host-pdfs",
            ["Docx2Pdf:MaxDeliveryAttempts"] = "3",
        }).Build();
        var collection = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        using var services = collection.AddDocx2Pdf().Services.BuildServiceProvider();

        var options = services.GetRequiredService<IOptions<Docx2PdfOptions>>().Value;

        options.OutputBucket.Should().Be("host-pdfs");
        options.MaxDeliveryAttempts.Should().Be(3);
        options.Extensions.Should().Equal(".docx");
        options.Storage.Provider.Should().Be(StorageProvider.FileSystem, "nothing in the environment asks for Cloud Storage");
    }

    [Fact]
    public void AddDocx2Pdf_InvalidSettings_FailNamingEachSetting()
    {
        using var env = EnvironmentScope.Clean();
        using var services = new ServiceCollection().AddDocx2Pdf(o =>
        {
            o.OutputBucket = "pdfs";
            o.Extensions = [".pdf"];
            o.FailurePrefix = "";
            o.MaxDeliveryAttempts = 0;
            o.OutputPrefix = "a\nb";
        }).Services.BuildServiceProvider();

        var read = () => services.GetRequiredService<IOptions<Docx2PdfOptions>>().Value;

        var message = read.Should().Throw<OptionsValidationException>().Which.Message;
        message.Should().Contain("Docx2Pdf:Extensions").And.Contain("Docx2Pdf:FailurePrefix")
            .And.Contain("Docx2Pdf:MaxDeliveryAttempts").And.Contain("Docx2Pdf:OutputPrefix");
    }

    [Fact]
    [Trait("Layer", "Integration")]
    public async Task AddDocx2Pdf_StartedHost_ConvertsThroughTheRegisteredServicesAndStopsCleanly()
    {
        using var env = EnvironmentScope.Clean();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Docx2Pdf:OutputBucket"] = "host-pdfs",
            ["Docx2Pdf:WorkFolder"] = Path.Combine(_root, "work"),
            ["Docx2Pdf:Storage:LocalRoot"] = Path.Combine(_root, "data"),
            ["Docx2Pdf:LibreOffice:PoolSize"] = "1",
            ["Docx2Pdf:LibreOffice:WorkFolder"] = Path.Combine(_root, "libreoffice"),
        });
        builder.Services.AddLogging().AddDocx2Pdf();
        ConversionOutcome outcome;
        using (var host = builder.Build())
        {
            await host.StartAsync();
            host.Services.GetRequiredService<LibreOfficeConverter>().ReadyInstances.Should().Be(1, "the pool is warmed up at start");
            var store = host.Services.GetRequiredService<IObjectStore>();
            store.Should().BeOfType<FileSystemObjectStore>();
            await using (var document = File.OpenRead(Corpus.Get("poi/sample.docx").FullPath))
            {
                var source = await store.UploadAsync("host-docs", "hosted.docx", document, new ObjectWriteOptions());
                outcome = await host.Services.GetRequiredService<IConversionPipeline>().ProcessAsync(new StorageEvent
                {
                    Bucket = "host-docs",
                    ObjectName = "hosted.docx",
                    Generation = source.Generation,
                    EventType = StorageEventType.Finalize,
                });
            }

            await host.StopAsync();
        }

        outcome.Status.Should().Be(ConversionStatus.Converted, outcome.Detail);
        Directory.EnumerateFiles(Path.Combine(_root, "data", "host-pdfs")).Should().NotBeEmpty();
        Directory.EnumerateFileSystemEntries(Path.Combine(_root, "work")).Should().BeEmpty();
    }

    [Fact]
    [Trait("Layer", "Integration")]
    public async Task AddDocx2Pdf_CloudStorageBaseUriConfigured_UsesGcsObjectStoreAgainstThatServer()
    {
        using var env = EnvironmentScope.Clean();
        await using var server = await GcsTestServer.StartAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Docx2Pdf:OutputBucket"] = "cloud-pdfs",
            ["Docx2Pdf:Storage:CloudStorage:BaseUri"] = server.BaseUri.ToString(),
            ["Docx2Pdf:Storage:CloudStorage:UnauthenticatedAccess"] = "true",
        }).Build();
        using var services = new ServiceCollection().AddDocx2Pdf(configuration.GetSection("Docx2Pdf")).Services.BuildServiceProvider();

        var options = services.GetRequiredService<IOptions<Docx2PdfOptions>>().Value;
        var store = services.GetRequiredService<IObjectStore>();
        await store.UploadAsync("cloud-docs", "probe.txt", new MemoryStream("probe"u8.ToArray()), new ObjectWriteOptions());

        options.Storage.Provider.Should().Be(StorageProvider.CloudStorage);
        store.Should().BeOfType<GcsObjectStore>();
        server.ListObjects("cloud-docs").Should().Equal("probe.txt");
    }

    [Fact]
    public void AddDocx2Pdf_InvalidCloudStorageSettings_FailNamingTheSetting()
    {
        using var env = EnvironmentScope.Clean();
        using var services = new ServiceCollection().AddDocx2Pdf(o =>
        {
            o.OutputBucket = "pdfs";
            o.Storage.Provider = StorageProvider.CloudStorage;
            o.Storage.CloudStorage.ChunkSize = 300_000;
        }).Services.BuildServiceProvider();

        var read = () => services.GetRequiredService<IOptions<Docx2PdfOptions>>().Value;

        read.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("Docx2Pdf:Storage:CloudStorage:ChunkSize");
    }

    [Theory]
    [InlineData(null, null, null, StorageProvider.FileSystem)]
    [InlineData("127.0.0.1:9199", null, null, StorageProvider.CloudStorage)]
    [InlineData(null, "pdfs", null, StorageProvider.CloudStorage)]
    [InlineData(null, null, "docx2pdf-service", StorageProvider.CloudStorage)]
    public void ResolveProvider_Environment_ChoosesStore(string? emulatorHost, string? outputBucket, string? cloudRunService, StorageProvider expected)
    {
        var env = new Dictionary<string, string?>
        {
            ["STORAGE_EMULATOR_HOST"] = emulatorHost,
            ["OUTPUT_BUCKET"] = outputBucket,
            ["K_SERVICE"] = cloudRunService,
        };

        Docx2PdfOptionsDefaults.ResolveProvider(name => env.GetValueOrDefault(name)).Should().Be(expected);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
