using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Docx2Pdf.Testing;

/// <summary>
/// Google's Pub/Sub emulator (pre-installed Debian package google-cloud-cli-pubsub-emulator), started on a free
/// port on 127.0.0.1, with the few REST v1 admin calls tests need. Can be stopped and started again on the same port.
/// </summary>
public sealed class PubSubEmulator : IAsyncDisposable
{
    public const string EmulatorPath = "/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator";
    public const string ProjectId = "docx2pdf-test";

    private ProcessGroup? _process;

    private PubSubEmulator(int port)
    {
        Port = port;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public int Port { get; }

    /// <summary>host:port, the value of PUBSUB_EMULATOR_HOST.</summary>
    public string HostAndPort => $"127.0.0.1:{Port}";

    public HttpClient Http { get; }

    public static async Task<PubSubEmulator> StartAsync(CancellationToken cancellationToken = default)
    {
        TestLayer.RequireIntegration("the Pub/Sub emulator");
        if (!File.Exists(EmulatorPath))
        {
            throw new InvalidOperationException($"Google's Pub/Sub emulator is not installed at {EmulatorPath} (Debian package google-cloud-cli-pubsub-emulator).");
        }

        var emulator = new PubSubEmulator(FreePort.Next());
        await emulator.StartAgainAsync(cancellationToken).ConfigureAwait(false);
        return emulator;
    }

    /// <summary>Starts the emulator (again) on the same port. State from before a stop is gone.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        _process?.Dispose();
        _process = ProcessGroup.Start(EmulatorPath, ["--host=127.0.0.1", $"--port={Port}"]);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
                var body = await probe.GetStringAsync(new Uri(Http.BaseAddress!, "/"), cancellationToken).ConfigureAwait(false);
                if (body.Trim() == "Ok")
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"The Pub/Sub emulator did not start on port {Port}.");
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Kills the emulator (the whole process group).</summary>
    public void Stop() => _process?.Kill();

    public static string Topic(string name) => $"projects/{ProjectId}/topics/{name}";

    public static string Subscription(string name) => $"projects/{ProjectId}/subscriptions/{name}";

    public async Task<string> CreateTopicAsync(string name, CancellationToken cancellationToken = default)
    {
        var topic = Topic(name);
        using var response = await Http.PutAsync(new Uri($"v1/{topic}", UriKind.Relative), JsonContent.Create(new { }), cancellationToken).ConfigureAwait(false);
        await EnsureAsync(response, cancellationToken).ConfigureAwait(false);
        return topic;
    }

    /// <summary>Creates a pull subscription, or a push subscription when <paramref name="pushEndpoint"/> is set.</summary>
    public async Task<string> CreateSubscriptionAsync(
        string topicName,
        string name,
        int ackDeadlineSeconds = 60,
        Uri? pushEndpoint = null,
        bool noWrapper = false,
        int? maxDeliveryAttempts = null,
        CancellationToken cancellationToken = default)
    {
        var subscription = Subscription(name);
        var body = new JsonObject
        {
            ["topic"] = Topic(topicName),
            ["ackDeadlineSeconds"] = ackDeadlineSeconds,
        };
        if (pushEndpoint is not null)
        {
            var push = new JsonObject { ["pushEndpoint"] = pushEndpoint.ToString() };
            if (noWrapper)
            {
                push["noWrapper"] = new JsonObject { ["writeMetadata"] = true };
            }

            body["pushConfig"] = push;
        }

        if (maxDeliveryAttempts is int max)
        {
            // The emulator honours the attempt count (and sends deliveryAttempt) but never forwards to the topic.
            var deadLetterTopic = await CreateTopicAsync(name + "-dead-letter", cancellationToken).ConfigureAwait(false);
            body["deadLetterPolicy"] = new JsonObject { ["deadLetterTopic"] = deadLetterTopic, ["maxDeliveryAttempts"] = max };
        }

        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await Http.PutAsync(new Uri($"v1/{subscription}", UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(response, cancellationToken).ConfigureAwait(false);
        return subscription;
    }

    /// <summary>Publishes one message; returns its message id.</summary>
    public async Task<string> PublishAsync(string topicName, ReadOnlyMemory<byte> data, IReadOnlyDictionary<string, string>? attributes = null, CancellationToken cancellationToken = default)
    {
        var message = new JsonObject { ["data"] = Convert.ToBase64String(data.Span) };
        if (attributes is not null)
        {
            var attrs = new JsonObject();
            foreach (var (k, v) in attributes)
            {
                attrs[k] = v;
            }

            message["attributes"] = attrs;
        }

        var body = new JsonObject { ["messages"] = new JsonArray(message) };
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync(new Uri($"v1/{Topic(topicName)}:publish", UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(response, cancellationToken).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        return doc.RootElement.GetProperty("messageIds")[0].GetString()!;
    }

    /// <summary>
    /// Publishes the Cloud Storage notification Cloud Storage itself would send for a finalized object
    /// (payloadFormat JSON_API_V1: attributes plus the object resource as data, int64s as strings).
    /// </summary>
    public Task<string> PublishStorageNotificationAsync(
        string topicName,
        string bucket,
        string objectName,
        long generation,
        long size,
        string eventType = "OBJECT_FINALIZE",
        string contentType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        CancellationToken cancellationToken = default)
    {
        var (data, attributes) = StorageNotification.Create(bucket, objectName, generation, size, eventType, contentType);
        return PublishAsync(topicName, data, attributes, cancellationToken);
    }

    /// <summary>Pulls without waiting (returnImmediately) and returns the raw receivedMessages; for asserting that nothing is left.</summary>
    public async Task<JsonElement[]> PullNowAsync(string subscriptionName, int maxMessages = 100, CancellationToken cancellationToken = default)
    {
        using var content = new StringContent($"{{\"maxMessages\":{maxMessages},\"returnImmediately\":true}}", Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync(new Uri($"v1/{Subscription(subscriptionName)}:pull", UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(response, cancellationToken).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        return doc.RootElement.TryGetProperty("receivedMessages", out var messages)
            ? messages.EnumerateArray().Select(m => m.Clone()).ToArray()
            : [];
    }

    public async ValueTask DisposeAsync()
    {
        _process?.Dispose();
        Http.Dispose();
        await Task.CompletedTask.ConfigureAwait(false);
    }

    private static async Task EnsureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new HttpRequestException($"Pub/Sub emulator answered {(int)response.StatusCode}: {text}");
        }
    }
}

/// <summary>Builds Cloud Storage notification payloads as Cloud Storage sends them.</summary>
public static class StorageNotification
{
    public static (byte[] Data, Dictionary<string, string> Attributes) Create(
        string bucket,
        string objectName,
        long generation,
        long size,
        string eventType = "OBJECT_FINALIZE",
        string contentType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    {
        var g = generation.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // Now, as Cloud Storage would stamp it: a fixed date would age past Docx2Pdf:MaxRetryAge and change the outcome.
        var now = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var resource = new JsonObject
        {
            ["kind"] = "storage#object",
            ["id"] = $"{bucket}/{objectName}/{g}",
            ["name"] = objectName,
            ["bucket"] = bucket,
            ["generation"] = g,
            ["metageneration"] = "1",
            ["contentType"] = contentType,
            ["size"] = size.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["timeCreated"] = now,
            ["updated"] = now,
            ["storageClass"] = "STANDARD",
        };
        var attributes = new Dictionary<string, string>
        {
            ["notificationConfig"] = $"projects/_/buckets/{bucket}/notificationConfigs/1",
            ["eventType"] = eventType,
            ["payloadFormat"] = "JSON_API_V1",
            ["bucketId"] = bucket,
            ["objectId"] = objectName,
            ["objectGeneration"] = g,
            ["eventTime"] = now,
        };
        return (Encoding.UTF8.GetBytes(resource.ToJsonString()), attributes);
    }
}
