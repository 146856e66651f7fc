using Docx2Pdf.Conversion;
using Docx2Pdf.Pipeline;
using Docx2Pdf.PubSub.Pull;
using Docx2Pdf.Storage;
using Docx2Pdf.Testing;
using Docx2Pdf.Testing.Doubles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Docx2Pdf.PubSub.Tests;

/// <summary>
/// Google's Pub/Sub emulator with one topic and one pull subscription, a real <see cref="FileSystemObjectStore"/> in a
/// temporary folder (wrapped to count writes), and real hosts (Host.CreateApplicationBuilder) running the real
/// pipeline, the real LibreOffice converter and the subscriber.
/// </summary>
internal sealed class PullTestEnvironment : IAsyncDisposable
{
    public const string InputBucket = "docs-in";
    public const string OutputBucket = "pdfs-out";
    public const string TopicName = "documents";
    public const string SubscriptionName = "documents-pull";

    private readonly List<IHost> _hosts = [];

    private PullTestEnvironment(PubSubEmulator emulator, string root)
    {
        Emulator = emulator;
        Root = root;
        Store = new RecordingObjectStore(new FileSystemObjectStore(new FileSystemObjectStoreOptions { RootPath = root }));
    }

    public PubSubEmulator Emulator { get; }

    public string Root { get; }

    public RecordingObjectStore Store { get; }

    /// <summary>What the hosts' Pub/Sub clients pulled and acknowledged, read from the wire.</summary>
    public PubSubWire Wire { get; } = new();

    /// <summary>The ids of every message published through this environment; tests add the ones they publish themselves.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> PublishedMessageIds { get; } = new();

    public string Subscription => PubSubEmulator.Subscription(SubscriptionName);

    public int AckDeadlineSeconds { get; private set; }

    public static async Task<PullTestEnvironment> StartAsync(int ackDeadlineSeconds = 10, int? maxDeliveryAttempts = null)
    {
        var emulator = await PubSubEmulator.StartAsync();
        var root = Path.Combine(Path.GetTempPath(), "docx2pdf-pull-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        var environment = new PullTestEnvironment(emulator, root);
        await environment.CreateSubscriptionAsync(ackDeadlineSeconds, maxDeliveryAttempts);
        return environment;
    }

    public async Task CreateSubscriptionAsync(int ackDeadlineSeconds = 10, int? maxDeliveryAttempts = null)
    {
        AckDeadlineSeconds = ackDeadlineSeconds;
        await Emulator.CreateTopicAsync(TopicName);
        await Emulator.CreateSubscriptionAsync(TopicName, SubscriptionName, ackDeadlineSeconds, maxDeliveryAttempts: maxDeliveryAttempts);
    }

    /// <summary>Writes a corpus document into the input bucket and publishes the notification Cloud Storage would send.</summary>
    public async Task<ObjectInfo> AddDocumentAsync(string objectName, string corpusFile = "poi/sample.docx")
    {
        await using var file = File.OpenRead(Corpus.Get(corpusFile).FullPath);
        var info = await Store.UploadAsync(InputBucket, objectName, file, new ObjectWriteOptions { ContentType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document" });
        PublishedMessageIds.Enqueue(await Emulator.PublishStorageNotificationAsync(TopicName, InputBucket, objectName, info.Generation, info.Size));
        return info;
    }

    public static string PdfName(string objectName) => Path.ChangeExtension(objectName, ".pdf");

    /// <summary>Builds and starts a host; with <paramref name="holdConversions"/> its converter's gate starts closed.</summary>
    public async Task<PullHost> StartHostAsync(
        Action<PubSubPullOptions>? configure = null,
        int poolSize = 1,
        bool holdConversions = false,
        TimeSpan? shutdownTimeout = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(20));
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddFakeLogging();
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);

        builder.Services
            .AddDocx2Pdf(o => o.OutputBucket = OutputBucket)
            .AddPubSubPullConversion(o =>
            {
                o.Subscription = Subscription;
                o.Endpoint = new Uri($"http://{Emulator.HostAndPort}/");
                o.AckDeadline = TimeSpan.FromSeconds(10);
                o.MaxIdlePollInterval = TimeSpan.FromMilliseconds(500);
                o.MaxPullBackoff = TimeSpan.FromSeconds(2);
                o.RequestTimeout = TimeSpan.FromSeconds(5);
                configure?.Invoke(o);
            });

        builder.Services.Configure<LibreOfficeOptions>(o =>
        {
            o.PoolSize = poolSize;
            // Generous on a loaded machine: the tests are about outcomes, not durations.
            o.ConversionTimeout = TimeSpan.FromMinutes(10);
            o.QueueTimeout = TimeSpan.FromMinutes(10);
        });
        builder.Services.AddSingleton<IObjectStore>(Store);
        builder.Services.AddSingleton(sp =>
        {
            var converter = new GatedConverter(sp.GetRequiredService<LibreOfficeConverter>());
            if (holdConversions)
            {
                converter.Close();
            }

            return converter;
        });
        builder.Services.AddSingleton<IDocumentConverter>(sp => sp.GetRequiredService<GatedConverter>());

        // The real pipeline, wrapped to record what it decided.
        var pipeline = builder.Services.Single(d => d.ServiceType == typeof(IConversionPipeline));
        builder.Services.Remove(pipeline);
        builder.Services.AddSingleton(sp => new RecordingPipeline((IConversionPipeline)ActivatorUtilities.CreateInstance(sp, pipeline.ImplementationType!)));
        builder.Services.AddSingleton<IConversionPipeline>(sp => sp.GetRequiredService<RecordingPipeline>());

        // Every pull answer and acknowledge call on the wire: the acknowledgement is observed, not inferred from log lines.
        builder.Services.ConfigureHttpClientDefaults(http => http.AddHttpMessageHandler(Wire.CreateHandler));

        services?.Invoke(builder.Services);
        var host = builder.Build();
        _hosts.Add(host);
        await host.StartAsync();
        return new PullHost(host);
    }

    /// <summary>Waits until <paramref name="condition"/> holds; fails with <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what, params PullHost[] hosts) =>
        Eventually.UntilAsync(condition, timeout, what, () => string.Join(Environment.NewLine, hosts.Select(h => h.Describe())));

    /// <summary>
    /// Asserts the subscription is drained, once the hosts have stopped (stopping hands back whatever was held): every
    /// published message was acknowledged on the wire (an acknowledge call carrying its ack id answered 2xx), and nothing is
    /// left to pull. No watch period: both facts are final once the hosts are stopped.
    /// </summary>
    public async Task AssertDrainedAsync(params PullHost[] hosts)
    {
        Wire.AcknowledgedMessageIds().Should().Contain(PublishedMessageIds, "every published message was acknowledged; hosts:" + Environment.NewLine + string.Join(Environment.NewLine, hosts.Select(h => h.Describe())));
        var left = await Emulator.PullNowAsync(SubscriptionName);
        left.Should().BeEmpty("every message was acknowledged or handed back, and nothing handed back is left");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await host.StopAsync(cts.Token);
            }
            catch (ObjectDisposedException)
            {
            }

            if (host is IAsyncDisposable d)
            {
                await d.DisposeAsync();
            }
            else
            {
                host.Dispose();
            }
        }

        await Emulator.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>One running host and the parts tests look at.</summary>
internal sealed class PullHost(IHost host)
{
    public IHost Host { get; } = host;

    public RecordingPipeline Pipeline => Host.Services.GetRequiredService<RecordingPipeline>();

    public GatedConverter Converter => Host.Services.GetRequiredService<GatedConverter>();

    public PubSubPullSubscriber Subscriber => Host.Services.GetServices<IHostedService>().OfType<PubSubPullSubscriber>().Single();

    public FakeLogCollector Logs => Host.Services.GetFakeLogCollector();

    public bool Logged(int eventId) => Logs.GetSnapshot().Any(r => r.Id.Id == eventId);

    public Task<HealthReport> CheckHealthAsync() => Host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

    public Task StopAsync() => Host.StopAsync();

    /// <summary>State and the last log lines, for failure messages.</summary>
    public string Describe()
    {
        var logs = Logs.GetSnapshot();
        var tail = logs.Skip(Math.Max(0, logs.Count - 40)).Select(r => $"  [{r.Level} {r.Id.Id} {r.Category}] {r.Message} {r.Exception?.GetType().Name} {r.Exception?.Message}");
        return $"host: held {Subscriber.HeldCount}, max held {Subscriber.MaxHeldObserved}, conversions started {Converter.Started}, processed {Pipeline.Processed.Count}{Environment.NewLine}{string.Join(Environment.NewLine, tail)}";
    }
}

/// <summary>Records the ack ids each pull answer handed out and the ack ids of every acknowledge call answered 2xx.</summary>
internal sealed class PubSubWire
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _messageIdByAckId = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentBag<string> _acknowledged = [];

    /// <summary>Message ids whose ack id was in an acknowledge call Pub/Sub accepted.</summary>
    public HashSet<string> AcknowledgedMessageIds() =>
        _acknowledged.Select(a => _messageIdByAckId.GetValueOrDefault(a)).OfType<string>().ToHashSet(StringComparer.Ordinal);

    /// <summary>A handler for one client pipeline (a handler instance cannot be shared between pipelines).</summary>
    public DelegatingHandler CreateHandler() => new Tap(this);

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        var path = request.RequestUri?.AbsolutePath ?? "";
        string[] ackIds = [];
        if (path.EndsWith(":acknowledge", StringComparison.Ordinal) && request.Content is not null)
        {
            var body = await request.Content.ReadAsStringAsync(cancellationToken);
            using var json = System.Text.Json.JsonDocument.Parse(body);
            ackIds = [.. json.RootElement.GetProperty("ackIds").EnumerateArray().Select(a => a.GetString()!)];
        }

        var response = await send(request, cancellationToken);
        if (path.EndsWith(":pull", StringComparison.Ordinal) && response.IsSuccessStatusCode)
        {
            // Buffered so the client still reads the whole answer.
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            if (json.RootElement.TryGetProperty("receivedMessages", out var received))
            {
                foreach (var m in received.EnumerateArray())
                {
                    _messageIdByAckId[m.GetProperty("ackId").GetString()!] = m.GetProperty("message").GetProperty("messageId").GetString()!;
                }
            }
        }
        else if (ackIds.Length > 0 && response.IsSuccessStatusCode)
        {
            foreach (var a in ackIds)
            {
                _acknowledged.Add(a);
            }
        }

        return response;
    }

    private sealed class Tap(PubSubWire wire) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            wire.SendAsync(request, base.SendAsync, cancellationToken);
    }
}
