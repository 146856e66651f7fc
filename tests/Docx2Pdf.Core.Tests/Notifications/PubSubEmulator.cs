using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Docx2Pdf.Core.Tests.Notifications;

/// <summary>
/// Google's Pub/Sub emulator on a free 127.0.0.1 port, spoken to over REST v1 with a plain HttpClient.
/// Started once per test class, killed (with its JVM) in Dispose.
/// </summary>
public sealed class PubSubEmulator : IAsyncLifetime
{
    public const string EmulatorPath = "/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator";
    public const string Project = "docx2pdf-test";

    private readonly StringBuilder _log = new();
    private Process? _process;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public async Task InitializeAsync()
    {
        if (!File.Exists(EmulatorPath))
        {
            throw new InvalidOperationException($"Google's Pub/Sub emulator is missing ({EmulatorPath}); eng/test-servers.sh says how to install it.");
        }

        var port = FreePort();
        var start = new ProcessStartInfo(EmulatorPath)
        {
            ArgumentList = { "--host=127.0.0.1", $"--port={port}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("The Pub/Sub emulator did not start.");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Http.BaseAddress = new Uri($"http://127.0.0.1:{port}/");

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The Pub/Sub emulator exited with code {_process.ExitCode}:\n{Log()}");
            }

            try
            {
                using var response = await Http.GetAsync(new Uri("/", UriKind.Relative), deadline.Token);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"The Pub/Sub emulator did not answer on port {port} within 90 s:\n{Log()}");
            }

            await Task.Delay(250, deadline.Token);
        }
    }

    public Task DisposeAsync()
    {
        Http.Dispose();
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.WaitForExit();
            _process.Dispose();
        }

        return Task.CompletedTask;
    }

    public async Task CreateTopicAsync(string topic) =>
        await SendAsync(HttpMethod.Put, $"v1/projects/{Project}/topics/{topic}", new { });

    public async Task CreateSubscriptionAsync(string topic, string subscription, object? deadLetterPolicy = null) =>
        await SendAsync(HttpMethod.Put, $"v1/projects/{Project}/subscriptions/{subscription}", new
        {
            topic = $"projects/{Project}/topics/{topic}",
            ackDeadlineSeconds = 60,
            deadLetterPolicy,
        });

    public async Task PublishAsync(string topic, IReadOnlyDictionary<string, string> attributes, byte[]? data)
    {
        var message = new Dictionary<string, object> { ["attributes"] = attributes };
        if (data is not null)
        {
            message["data"] = Convert.ToBase64String(data);
        }

        await SendAsync(HttpMethod.Post, $"v1/projects/{Project}/topics/{topic}:publish", new { messages = new[] { message } });
    }

    /// <summary>Pulls until <paramref name="count"/> messages came, returning the raw REST response entries.</summary>
    public async Task<List<JsonElement>> PullAsync(string subscription, int count)
    {
        var received = new List<JsonElement>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (received.Count < count)
        {
            deadline.Token.ThrowIfCancellationRequested();
            using var document = await SendAsync(HttpMethod.Post, $"v1/projects/{Project}/subscriptions/{subscription}:pull", new { maxMessages = count - received.Count, returnImmediately = true });
            if (document.RootElement.TryGetProperty("receivedMessages", out var messages))
            {
                received.AddRange(messages.EnumerateArray().Select(m => m.Clone()));
            }
            else
            {
                await Task.Delay(100, deadline.Token);
            }
        }

        return received;
    }

    public async Task AcknowledgeAsync(string subscription, IEnumerable<string> ackIds) =>
        (await SendAsync(HttpMethod.Post, $"v1/projects/{Project}/subscriptions/{subscription}:acknowledge", new { ackIds })).Dispose();

    public async Task NackAsync(string subscription, IEnumerable<string> ackIds) =>
        (await SendAsync(HttpMethod.Post, $"v1/projects/{Project}/subscriptions/{subscription}:modifyAckDeadline", new { ackIds, ackDeadlineSeconds = 0 })).Dispose();

    private async Task<JsonDocument> SendAsync(HttpMethod method, string path, object body)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = JsonContent.Create(body) };
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new HttpRequestException($"{method} {path} answered {(int)response.StatusCode}: {text}");
        }

        return JsonDocument.Parse(string.IsNullOrWhiteSpace(text) ? "{}" : text);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    private string Log()
    {
        lock (_log)
        {
            return _log.ToString();
        }
    }
}
