using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Docx2Pdf.Testing;

namespace Docx2Pdf.Fire;

/// <summary>
/// Pushes like real Pub/Sub, straight to a host: wrapped bodies with deliveryAttempt (as with a dead-letter policy), many in
/// parallel, and on anything but an acknowledgement a redelivery after max(Retry-After, exponential backoff from 10 s to
/// 600 s), both multiplied by <see cref="TimeScale"/> (the suite runs Pub/Sub's schedule 100 times faster by default).
/// </summary>
internal sealed class PushClient : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 2000 }) { Timeout = TimeSpan.FromMinutes(5) };
    private int _maxAttempt;

    public PushClient(double timeScale) => TimeScale = timeScale;

    public double TimeScale { get; }

    public ConcurrentDictionary<int, int> Statuses { get; } = new();

    public ConcurrentDictionary<string, int> AttemptsByObject { get; } = new(StringComparer.Ordinal);

    public int MaxAttempt => Volatile.Read(ref _maxAttempt);

    public int Requests => Statuses.Values.Sum();

    public static byte[] WrappedBody(Doc doc, int deliveryAttempt, string messageId)
    {
        var (data, attributes) = StorageNotification.Create(doc.Bucket, doc.Name, doc.Generation, doc.Content.Length);
        var attrs = new JsonObject();
        foreach (var (k, v) in attributes)
        {
            attrs[k] = v;
        }

        var body = new JsonObject
        {
            ["message"] = new JsonObject
            {
                ["attributes"] = attrs,
                ["data"] = Convert.ToBase64String(data),
                ["messageId"] = messageId,
                ["message_id"] = messageId,
                ["publishTime"] = (doc.PublishedAt ?? DateTimeOffset.UtcNow).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            },
            ["subscription"] = "projects/fire/subscriptions/burst",
            ["deliveryAttempt"] = deliveryAttempt,
        };
        return Encoding.UTF8.GetBytes(body.ToJsonString());
    }

    /// <summary>Delivers one message until it is acknowledged or <paramref name="bound"/> passes; returns whether it was acknowledged.</summary>
    public async Task<bool> DeliverAsync(Uri endpoint, Doc doc, TimeSpan bound, Func<HttpRequestMessage, Task>? decorate = null)
    {
        var messageId = "fire-" + Guid.NewGuid().ToString("N")[..12];
        var watch = Stopwatch.StartNew();
        doc.PublishedAt ??= DateTimeOffset.UtcNow;
        for (var attempt = 1; ; attempt++)
        {
            InterlockedMax(ref _maxAttempt, attempt);
            AttemptsByObject[doc.Name] = attempt;
            int status;
            TimeSpan? retryAfter = null;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(WrappedBody(doc, attempt, messageId)) };
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                if (decorate is not null)
                {
                    await decorate(request);
                }

                using var response = await _http.SendAsync(request);
                status = (int)response.StatusCode;
                retryAfter = response.Headers.RetryAfter?.Delta;
            }
            catch (HttpRequestException)
            {
                status = 0; // connection refused or reset: the host is down
            }

            Statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            if (status is 102 or 200 or 201 or 202 or 204)
            {
                return true;
            }

            if (watch.Elapsed > bound)
            {
                return false;
            }

            var backoff = TimeSpan.FromSeconds(Math.Min(600, 10 * Math.Pow(2, attempt - 1)));
            var delay = retryAfter is { } ra && ra > backoff ? ra : backoff;
            await Task.Delay(delay * TimeScale);
        }
    }

    /// <summary>One raw POST; returns the status.</summary>
    public async Task<int> PostRawAsync(Uri endpoint, HttpContent content, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = content };
        // A host that refuses a large body early answers before the body is sent, rather than resetting mid-upload.
        request.Headers.ExpectContinue = true;
        foreach (var (k, v) in headers ?? new Dictionary<string, string>())
        {
            if (!request.Headers.TryAddWithoutValidation(k, v))
            {
                content.Headers.TryAddWithoutValidation(k, v);
            }
        }

        try
        {
            using var response = await _http.SendAsync(request);
            var status = (int)response.StatusCode;
            Statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            return status;
        }
        catch (HttpRequestException)
        {
            Statuses.AddOrUpdate(0, 1, (_, n) => n + 1);
            return 0;
        }
    }

    public void Dispose() => _http.Dispose();

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
