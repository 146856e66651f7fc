using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Docx2Pdf.Conversion;
using Docx2Pdf.Diagnostics;
using Docx2Pdf.Notifications;
using Docx2Pdf.Pipeline;
using Docx2Pdf.Storage;
using Docx2Pdf.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Docx2Pdf.Core.Tests.Pipeline;

/// <summary>
/// One pipeline over the real <see cref="FileSystemObjectStore"/> (behind a counting decorator) in a private temp folder,
/// with the collection's real converter. Everything it creates lives under <see cref="Root"/> and is deleted on dispose.
/// </summary>
internal sealed class PipelineHarness : IDisposable
{
    public const string InputBucket = "docs-in";
    public const string OutputBucket = "pdfs-out";
    public const string DocxContentType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

    private static int s_messageIds;

    private PipelineHarness(IDocumentConverter converter, Action<Docx2PdfOptions>? configure, IObjectStore? store, IMeterFactory? meterFactory)
    {
        Root = Path.Combine(Path.GetTempPath(), "docx2pdf-pipeline-tests", Guid.NewGuid().ToString("N"));
        StoreRoot = Path.Combine(Root, "store");
        Directory.CreateDirectory(StoreRoot);
        Options = new Docx2PdfOptions
        {
            OutputBucket = OutputBucket,
            WorkFolder = Path.Combine(Root, "work"),
        };
        configure?.Invoke(Options);
        Time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        RealStore = store ?? new FileSystemObjectStore(new FileSystemObjectStoreOptions { RootPath = StoreRoot });
        Store = new CountingObjectStore(RealStore);
        Metrics = new PipelineMetrics(meterFactory);
        Pipeline = new ConversionPipeline(Store, converter, new StaticOptionsMonitor<Docx2PdfOptions>(Options), Time, Metrics, NullLogger<ConversionPipeline>.Instance);
    }

    public string Root { get; }

    public string StoreRoot { get; }

    public Docx2PdfOptions Options { get; }

    public FakeTimeProvider Time { get; }

    public IObjectStore RealStore { get; }

    public CountingObjectStore Store { get; }

    public PipelineMetrics Metrics { get; }

    public ConversionPipeline Pipeline { get; }

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
            Directory.EnumerateFileSystemEntries(Options.WorkFolder).Should().BeEmpty("every conversion removes its private work folder");
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
        Metrics.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

internal sealed class StaticOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
