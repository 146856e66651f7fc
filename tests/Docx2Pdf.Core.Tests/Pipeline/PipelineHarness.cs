using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Docx2Pdf.Conversion;
using Docx2Pdf.Notifications;
using Docx2Pdf.Pipeline;
using Docx2Pdf.Storage;
using Docx2Pdf.Testing;
using Docx2Pdf.Testing.Doubles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Docx2Pdf.Core.Tests.Pipeline;

/// <summary>
/// One pipeline as a host gets it (<c>AddDocx2Pdf()</c>, resolved as <see cref="IConversionPipeline"/>) with the store
/// replaced by the real <see cref="FileSystemObjectStore"/> in a private temp folder (behind a recording decorator) or the
/// store a test passes, the converter replaced by the one a test passes (the fast layer's <see cref="GatedConverter"/>, or
/// real LibreOffice), and a <see cref="FakeTimeProvider"/>. Only the public surface is used, so the pipeline's insides can move
/// freely. Everything it creates lives under <see cref="Root"/> and is deleted on dispose.
/// </summary>
internal sealed class PipelineHarness : IDisposable
{
    public const string InputBucket = "docs-in";
    public const string OutputBucket = "pdfs-out";
    public const string DocxContentType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

    private static int s_messageIds;
    private readonly ServiceProvider _services;

    private PipelineHarness(IDocumentConverter converter, Action<Docx2PdfOptions>? configure, IObjectStore? store, IMeterFactory? meterFactory)
    {
        Root = Path.Combine(Path.GetTempPath(), "docx2pdf-pipeline-tests", Guid.NewGuid().ToString("N"));
        StoreRoot = Path.Combine(Root, "store");
        Directory.CreateDirectory(StoreRoot);
        Time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        RealStore = store ?? new FileSystemObjectStore(new FileSystemObjectStoreOptions { RootPath = StoreRoot });
        Store = new RecordingObjectStore(RealStore);

        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Debug).AddFakeLogging());
        services.AddDocx2Pdf(o =>
        {
            o.OutputBucket = OutputBucket;
            o.WorkFolder = Path.Combine(Root, "work");
            configure?.Invoke(o);
        });
        services.Replace(ServiceDescriptor.Singleton(converter));
        services.Replace(ServiceDescriptor.Singleton<IObjectStore>(Store));
        services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Time));
        if (meterFactory is not null)
        {
            services.AddSingleton(meterFactory);
        }

        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        Options = _services.GetRequiredService<IOptions<Docx2PdfOptions>>().Value;
        Pipeline = _services.GetRequiredService<IConversionPipeline>();
        Logs = _services.GetFakeLogCollector();
    }

    /// <summary>Event id of the pipeline's "joined the conversion already running" log line (Log.Pipeline.cs).</summary>
    public const int JoinedInFlightEventId = 406;

    public string Root { get; }

    public string StoreRoot { get; }

    public Docx2PdfOptions Options { get; }

    public FakeTimeProvider Time { get; }

    public IObjectStore RealStore { get; }

    public RecordingObjectStore Store { get; }

    public IConversionPipeline Pipeline { get; }

    /// <summary>Everything the pipeline logged, Debug and up.</summary>
    public FakeLogCollector Logs { get; }

    /// <summary>Waits until <paramref name="count"/> deliveries have joined a conversion already running in this pipeline.</summary>
    public Task WaitForJoinedAsync(int count) =>
        Eventually.UntilAsync(() => Logs.GetSnapshot().Count(r => r.Id.Id == JoinedInFlightEventId) >= count, TimeSpan.FromMinutes(1), $"{count} deliveries joined the running conversion");

    public static PipelineHarness Create(IDocumentConverter converter, Action<Docx2PdfOptions>? configure = null, IObjectStore? store = null, IMeterFactory? meterFactory = null) =>
        new(converter, configure, store, meterFactory);

    /// <summary>Writes a corpus document into the store (directly, not counted as a pipeline write).</summary>
    public async Task<ObjectInfo> PutCorpusAsync(string bucket, string objectName, string corpusFile, IReadOnlyDictionary<string, string>? metadata = null)
    {
        await using var file = File.OpenRead(Corpus.Get(corpusFile).FullPath);
        return await PutAsync(bucket, objectName, file, metadata);
    }

    public Task<ObjectInfo> PutAsync(string bucket, string objectName, Stream content, IReadOnlyDictionary<string, string>? metadata = null) =>
        RealStore.UploadAsync(bucket, objectName, content, new ObjectWriteOptions
        {
            ContentType = DocxContentType,
            Metadata = metadata ?? new Dictionary<string, string>(),
        });

    /// <summary>
    /// The Cloud Storage notification for <paramref name="info"/> as Pub/Sub delivers it (attributes plus the JSON_API_V1 object
    /// resource), read by the real <see cref="StorageEventReader"/>.
    /// </summary>
    public StorageEvent Notification(ObjectInfo info, string eventType = "OBJECT_FINALIZE", string? messageId = null, int? deliveryAttempt = null, DateTimeOffset? publishTime = null)
    {
        var resource = new Dictionary<string, object?>
        {
            ["kind"] = "storage#object",
            ["bucket"] = info.Bucket,
            ["name"] = info.Name,
            ["generation"] = info.Generation.ToString(CultureInfo.InvariantCulture),
            ["size"] = info.Size.ToString(CultureInfo.InvariantCulture),
            ["contentType"] = info.ContentType,
            ["metadata"] = info.Metadata.Count == 0 ? null : info.Metadata,
        };
        var message = new PubSubMessage
        {
            Data = JsonSerializer.SerializeToUtf8Bytes(resource),
            Attributes = new Dictionary<string, string>
            {
                ["eventType"] = eventType,
                ["payloadFormat"] = "JSON_API_V1",
                ["bucketId"] = info.Bucket,
                ["objectId"] = info.Name,
                ["objectGeneration"] = info.Generation.ToString(CultureInfo.InvariantCulture),
                ["notificationConfig"] = $"projects/_/buckets/{info.Bucket}/notificationConfigs/1",
            },
            MessageId = messageId ?? NextMessageId(),
            PublishTime = publishTime ?? Time.GetUtcNow(),
        };
        return StorageEventReader.FromPubSubMessage(message, deliveryAttempt);
    }

    public static string NextMessageId() => "msg-" + Interlocked.Increment(ref s_messageIds).ToString(CultureInfo.InvariantCulture);

    public Task<ObjectInfo?> InfoAsync(string bucket, string objectName) => RealStore.GetInfoAsync(bucket, objectName);

    public async Task<byte[]> ReadAsync(ObjectInfo info)
    {
        using var buffer = new MemoryStream();
        await RealStore.DownloadAsync(info.Bucket, info.Name, info.Generation, buffer);
        return buffer.ToArray();
    }

    public async Task<FailureRecord?> ReadFailureRecordAsync(string sourceObject)
    {
        var info = await InfoAsync(OutputBucket, Options.FailurePrefix + sourceObject + ".json");
        return info is null ? null : FailureRecord.Parse(await ReadAsync(info));
    }

    /// <summary>The pipeline's work folder is empty and the store holds no temporary file.</summary>
    public void AssertNoTempFiles()
    {
        if (Directory.Exists(Options.WorkFolder))
        {
            // What stays while the pipeline lives is its own root ({pid}-{random}) with the workspace marker and an empty jobs/.
            Directory.EnumerateFiles(Options.WorkFolder, "*", SearchOption.AllDirectories)
                .Where(f => Path.GetFileName(f) != ConverterWorkspace.MarkerFile)
                .Should().BeEmpty("every conversion removes its private work folder");
            Directory.EnumerateDirectories(Options.WorkFolder, "*", SearchOption.AllDirectories)
                .Where(d => Path.GetDirectoryName(d) != Options.WorkFolder && Path.GetFileName(d) != "jobs")
                .Should().BeEmpty("every conversion removes its private work folder");
        }

        Directory.EnumerateFiles(StoreRoot, "*.tmp", SearchOption.AllDirectories).Should().BeEmpty("the store renames or deletes its temporary files");
    }

    /// <summary>Nothing was created beside the store's folder and the work folder (no name escaped the store).</summary>
    public void AssertNothingOutsideStore()
    {
        Directory.EnumerateFileSystemEntries(Root).Select(Path.GetFileName)
            .Should().BeSubsetOf(["store", "work"]);
        Directory.EnumerateFileSystemEntries(StoreRoot).Select(Path.GetFileName)
            .Should().BeSubsetOf([InputBucket, OutputBucket, ".lock"]);
    }

    public void Dispose()
    {
        _services.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
