using System.Collections.Concurrent;
using Docx2Pdf.Notifications;
using Docx2Pdf.Pipeline;
using Docx2Pdf.Storage;
using Docx2Pdf.Testing;
using Docx2Pdf.Testing.Doubles;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Docx2Pdf.AspNetCore.Tests;

/// <summary>
/// A real Kestrel server on 127.0.0.1 (free port) running the real pipeline over a FileSystemObjectStore in a temp folder
/// and a real LibreOffice converter. Records every request's status and every event the pipeline saw.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    public const string InputBucket = "in-bucket";
    public const string OutputBucket = "out-bucket";

    private readonly string _root;

    private TestServer(WebApplication app, string root)
    {
        App = app;
        _root = root;
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; private set; } = null!;

    public IObjectStore Store => App.Services.GetRequiredService<IObjectStore>();

    /// <summary>Every request that reached the server: path and the status it was answered with.</summary>
    public ConcurrentQueue<(string Path, int Status)> Requests { get; } = new();

    /// <summary>Every event the pipeline processed, with its outcome.</summary>
    public ConcurrentQueue<(StorageEvent Event, ConversionOutcome Outcome)> Processed => Recording?.Processed ?? new();

    private RecordingPipeline? Recording { get; set; }

    public static async Task<TestServer> StartAsync(
        Action<IServiceCollection>? services = null,
        Action<WebApplication>? map = null,
        Action<WebApplicationBuilder>? builderHook = null,
        Func<IConversionPipeline, IConversionPipeline>? decoratePipeline = null,
        Action<Docx2PdfOptions>? docx2Pdf = null,
        string? environmentName = null)
    {
        TestLayer.RequireIntegration("Kestrel with the real pipeline and LibreOffice");
        var root = Path.Combine(Path.GetTempPath(), "docx2pdf-aspnet-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environmentName ?? Environments.Production });
        builder.WebHost.UseKestrel();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        // AddDocx2Pdf() wires the real store (a local folder here) and the real LibreOffice converter.
        var builderOfDocx2Pdf = builder.Services.AddDocx2Pdf(o =>
        {
            o.OutputBucket = OutputBucket;
            o.Storage.Provider = StorageProvider.FileSystem;
            o.Storage.LocalRoot = Path.Combine(root, "store");
            o.WorkFolder = Path.Combine(root, "work");
            docx2Pdf?.Invoke(o);
        });
        TestConverter.Configure(builder.Services, poolSize: 1);
        // Loopback only: no token check unless a test chooses one (a test's own Configure runs after this one).
        builderOfDocx2Pdf.AddPubSubPush(o => o.Authentication = Docx2Pdf.AspNetCore.PubSub.PushAuthentication.None);
        builderOfDocx2Pdf.AddConvertEndpoint();
        services?.Invoke(builder.Services);
        builderHook?.Invoke(builder);

        // Observe (never change) what the real pipeline does.
        var inner = builder.Services.Last(d => d.ServiceType == typeof(IConversionPipeline));
        builder.Services.Replace(ServiceDescriptor.Singleton<IConversionPipeline>(sp =>
        {
            var real = (IConversionPipeline)(inner.ImplementationFactory?.Invoke(sp) ?? inner.ImplementationInstance ?? ActivatorUtilities.CreateInstance(sp, inner.ImplementationType!));
            var decorated = decoratePipeline?.Invoke(real) ?? real;
            var recording = new RecordingPipeline(decorated);
            sp.GetRequiredService<TestServerHandle>().Server!.Recording = recording;
            return recording;
        }));
        var handle = new TestServerHandle();
        builder.Services.AddSingleton(handle);

        var app = builder.Build();
        var server = new TestServer(app, root);
        handle.Server = server;
        app.Use(async (context, next) =>
        {
            await next(context);
            server.Requests.Enqueue((context.Request.Path.Value ?? "/", context.Response.StatusCode));
        });
        if (map is null)
        {
            app.MapPubSubConversion("/");
            app.MapDocx2PdfConversion("/convert");
        }
        else
        {
            map(app);
        }

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        return server;
    }

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(3) };

    /// <summary>Puts a document into the input bucket; returns its generation.</summary>
    public async Task<ObjectInfo> PutAsync(string objectName, string filePath)
    {
        await using var file = File.OpenRead(filePath);
        return await Store.UploadAsync(InputBucket, objectName, file, new ObjectWriteOptions { ContentType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document" });
    }

    /// <summary>Waits for an object to exist; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public Task<ObjectInfo> WaitForObjectAsync(string bucket, string objectName, TimeSpan timeout) =>
        Eventually.ValueAsync(() => Store.GetInfoAsync(bucket, objectName), timeout, $"gs://{bucket}/{objectName}");

    /// <summary>
    /// Waits until the pipeline has returned an acknowledged outcome for <paramref name="messageId"/> and every such outcome
    /// has had its HTTP answer written (a 2xx is Pub/Sub's acknowledgement).
    /// </summary>
    public Task WaitForAcknowledgementAsync(string messageId, TimeSpan timeout) =>
        Eventually.UntilAsync(
            () => Processed.Any(p => p.Event.MessageId == messageId && p.Outcome.ShouldAcknowledge) &&
                Requests.Count(r => r.Status is >= 200 and < 300) >= Processed.Count(p => p.Outcome.ShouldAcknowledge),
            timeout,
            $"the HTTP answer acknowledging {messageId}",
            () => $"answers: {string.Join(", ", Requests.Select(r => r.Status))}");

    public int DeliveriesOf(string messageId) => Processed.Count(p => p.Event.MessageId == messageId);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await App.StopAsync();
        }
        finally
        {
            await App.DisposeAsync();
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private sealed class TestServerHandle
    {
        public TestServer? Server { get; set; }
    }
}
