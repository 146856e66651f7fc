using Docx2Pdf.Conversion;
using Docx2Pdf.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.Core.Tests.DependencyInjection;

/// <summary>
/// Fast layer: every Core options type is checked by its source-generated validator plus at most one rules validator,
/// each failure names the configuration path, time spans have upper bounds, and a configured list replaces its default.
/// </summary>
public sealed class OptionsValidationTests
{
    public static TheoryData<string, Action<Docx2PdfOptions>> Docx2PdfCases => new()
    {
        { "Docx2Pdf:OutputBucket", o => o.OutputBucket = "" },
        { "Docx2Pdf:WorkFolder", o => o.WorkFolder = " " },
        { "Docx2Pdf:MaxDocumentBytes", o => o.MaxDocumentBytes = 0 },
        { "Docx2Pdf:MaxDeliveryAttempts", o => o.MaxDeliveryAttempts = 0 },
        { "Docx2Pdf:MaxEngineFailures", o => o.MaxEngineFailures = 101 },
        { "Docx2Pdf:MaxRetryAge", o => o.MaxRetryAge = TimeSpan.Zero },
        { "Docx2Pdf:MaxRetryAge", o => o.MaxRetryAge = TimeSpan.FromDays(60) },
        { "Docx2Pdf:Extensions", o => o.Extensions = [] },
        { "Docx2Pdf:Extensions", o => o.Extensions = [".pdf"] },
        { "Docx2Pdf:FailurePrefix", o => o.FailurePrefix = "" },
        { "Docx2Pdf:OutputPrefix", o => o.OutputPrefix = "a\nb" },
        { "Docx2Pdf:Storage:LocalRoot", o => o.Storage.LocalRoot = "" },
        { "Docx2Pdf:Storage:CloudStorage:ChunkSize", o => o.Storage.CloudStorage.ChunkSize = 1000 },
        { "Docx2Pdf:Storage:CloudStorage:ChunkSize", o => o.Storage.CloudStorage.ChunkSize = 300 * 1024 },
        { "Docx2Pdf:Storage:CloudStorage:BaseUri", o => o.Storage.CloudStorage.BaseUri = new Uri("ftp://127.0.0.1/") },
        { "Docx2Pdf:Storage:CloudStorage:SingleRequestUploadThreshold", o => o.Storage.CloudStorage.SingleRequestUploadThreshold = -1 },
        { "Docx2Pdf:Storage:CloudStorage:MaxRetryAttempts", o => o.Storage.CloudStorage.MaxRetryAttempts = 21 },
        { "Docx2Pdf:Storage:CloudStorage:RetryBaseDelay", o => o.Storage.CloudStorage.RetryBaseDelay = TimeSpan.FromMinutes(2) },
    };

    public static TheoryData<string, Action<LibreOfficeOptions>> LibreOfficeCases => new()
    {
        { "Docx2Pdf:LibreOffice:PoolSize", o => o.PoolSize = 0 },
        { "Docx2Pdf:LibreOffice:QueueLength", o => o.QueueLength = -1 },
        { "Docx2Pdf:LibreOffice:QueueTimeout", o => o.QueueTimeout = TimeSpan.Zero },
        { "Docx2Pdf:LibreOffice:QueueTimeout", o => o.QueueTimeout = TimeSpan.FromMinutes(11) },
        { "Docx2Pdf:LibreOffice:ConversionTimeout", o => o.ConversionTimeout = TimeSpan.FromMilliseconds(-1) },
        { "Docx2Pdf:LibreOffice:ConversionTimeout", o => o.ConversionTimeout = TimeSpan.FromDays(60) },
        { "Docx2Pdf:LibreOffice:StartTimeout", o => o.StartTimeout = TimeSpan.FromHours(1) },
        { "Docx2Pdf:LibreOffice:MaxConversionsPerInstance", o => o.MaxConversionsPerInstance = 0 },
        { "Docx2Pdf:LibreOffice:MaxInstanceMemoryMegabytes", o => o.MaxInstanceMemoryMegabytes = 0 },
        { "Docx2Pdf:LibreOffice:InstanceMemoryLimitBytes", o => o.InstanceMemoryLimitBytes = 1024 },
        { "Docx2Pdf:LibreOffice:WorkFolder", o => o.WorkFolder = "" },
        { "Docx2Pdf:LibreOffice:EnabledFormats", o => o.EnabledFormats = [] },
        { "Docx2Pdf:LibreOffice:MaxInputBytes", o => o.MaxInputBytes = 0 },
        { "Docx2Pdf:LibreOffice:MaxUncompressedBytes", o => o.MaxUncompressedBytes = 0 },
        { "Docx2Pdf:LibreOffice:MaxZipEntries", o => o.MaxZipEntries = 0 },
        { "Docx2Pdf:LibreOffice:MaxCompressionRatio", o => o.MaxCompressionRatio = 0 },
    };

    [Theory]
    [MemberData(nameof(Docx2PdfCases))]
    public void Docx2PdfOptions_BadValue_FailureNamesItsPath(string path, Action<Docx2PdfOptions> change)
    {
        var options = new Docx2PdfOptions { OutputBucket = "pdfs" };
        options.Storage.Provider = StorageProvider.CloudStorage;
        change(options);

        var failures = Validate(options, new Docx2PdfOptionsValidator(), new Docx2PdfOptionsRulesValidator());

        failures.Should().ContainSingle().Which.Should().Contain(path + " ");
    }

    [Fact]
    public void Docx2PdfOptions_Defaults_PassBothValidators()
    {
        var options = new Docx2PdfOptions { OutputBucket = "pdfs" };
        options.Storage.Provider = StorageProvider.CloudStorage;

        Validate(options, new Docx2PdfOptionsValidator(), new Docx2PdfOptionsRulesValidator()).Should().BeEmpty();
    }

    [Theory]
    [MemberData(nameof(LibreOfficeCases))]
    public void LibreOfficeOptions_BadValue_FailureNamesItsPath(string path, Action<LibreOfficeOptions> change)
    {
        // A SofficePath that exists nowhere keeps the test off the installed LibreOffice; its own message comes beside.
        var options = new LibreOfficeOptions { SofficePath = "/nonexistent/soffice" };
        change(options);

        var failures = Validate(options, new LibreOfficeOptionsValidator(), new LibreOfficeOptionsRulesValidator());

        failures.Where(f => !f.Contains("SofficePath", StringComparison.Ordinal)).Should().ContainSingle().Which.Should().Contain(path + " ");
    }

    [Fact]
    public void FileSystemObjectStoreOptions_NoRoot_FailureNamesTheSetting()
    {
        var failures = Validate(new FileSystemObjectStoreOptions(), new FileSystemObjectStoreOptionsValidator());

        failures.Should().ContainSingle().Which.Should().Contain("Docx2Pdf:Storage:LocalRoot");
    }

    [Fact]
    public void Bind_ConfiguredExtensions_ReplaceTheDefault()
    {
        var options = Bind(new Docx2PdfOptions(), ("Extensions:0", ".odt"));

        options.Extensions.Should().Equal(".odt");
    }

    [Fact]
    public void Bind_ConfiguredInputBuckets_ReplaceWhatCodeSetBefore()
    {
        var options = Bind(new Docx2PdfOptions { InputBuckets = ["from-code"] }, ("InputBuckets:0", "from-config"));

        options.InputBuckets.Should().Equal("from-config");
    }

    [Fact]
    public void Bind_ConfiguredEnabledFormats_ReplaceTheDefault()
    {
        var options = Bind(new LibreOfficeOptions(), ("EnabledFormats:0", "Rtf"));

        options.EnabledFormats.Should().Equal(InputFormat.Rtf);
    }

    [Fact]
    public void Bind_ListNotConfigured_KeepsTheDefault()
    {
        var options = Bind(new Docx2PdfOptions(), ("MaxDeliveryAttempts", "3"));

        options.Extensions.Should().Equal(".docx");
        options.MaxDeliveryAttempts.Should().Be(3);
    }

    [Fact]
    public void AddDocx2Pdf_ConfiguredExtensions_ReplaceTheDefaultThroughTheContainer()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Converter:OutputBucket"] = "pdfs",
            ["Converter:Extensions:0"] = ".rtf",
            ["Converter:InputBuckets:0"] = "in",
        }).Build();
        using var services = new ServiceCollection().AddDocx2Pdf(configuration.GetSection("Converter")).Services.BuildServiceProvider();

        var options = services.GetRequiredService<IOptions<Docx2PdfOptions>>().Value;

        options.Extensions.Should().Equal(".rtf");
        options.InputBuckets.Should().Equal("in");
    }

    private static T Bind<T>(T options, params (string Key, string Value)[] settings)
        where T : class
    {
        var section = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
            .Build();
        Docx2PdfConfiguration.Bind(section, options);
        return options;
    }

    private static List<string> Validate<T>(T options, params IValidateOptions<T>[] validators)
        where T : class =>
        validators.SelectMany(v => v.Validate(null, options) is { Failed: true } r ? r.Failures : []).ToList();
}
