using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Xunit;

namespace Docx2Pdf.Testing.Storage;

/// <summary>
/// A small, precise Cloud Storage JSON API server on 127.0.0.1 (Kestrel, free port) for tests: object metadata, media
/// download (with <c>generation</c>), media/multipart/resumable uploads (any number of chunks), delete, all with
/// <c>ifGenerationMatch</c>; plus fault injection (<see cref="FailNext"/>) and a request log. Buckets need no creation.
/// It covers what the Firebase Storage emulator lacks (preconditions, multi-chunk resumable uploads); it is not a full
/// emulator (no listing, ACLs, metageneration preconditions, hashes validation or object versioning).
/// </summary>
public sealed class GcsTestServer : IAsyncLifetime, IAsyncDisposable
{
    private readonly ConcurrentDictionary<(string Bucket, string Name), StoredObject> _objects = new();
    private readonly ConcurrentDictionary<string, UploadSession> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly Lock _faultLock = new();
    private readonly Lock _writeLock = new();
    private readonly List<Fault> _faults = [];
    private WebApplication? _app;
    private long _lastGeneration = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
    private long _outageUntilTicks;
    private int _outageFailures;

    /// <summary>The port, once started.</summary>
    public int Port { get; private set; }

    /// <summary>The JSON API base address for <c>GcsObjectStoreOptions.BaseUri</c>: <c>http://127.0.0.1:{port}/storage/v1/</c>.</summary>
    public Uri BaseUri => new($"http://127.0.0.1:{Port}/storage/v1/");

    /// <summary><c>127.0.0.1:{port}</c>, the value of <c>STORAGE_EMULATOR_HOST</c>.</summary>
    public string EmulatorHost => $"127.0.0.1:{Port}";

    /// <summary>Every request so far as <c>METHOD path?query</c> (raw target), oldest first; injected failures included.</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    /// <summary>Called with <c>METHOD rawTarget</c> as each request arrives, before it is answered.</summary>
    public event Action<string>? RequestReceived;

    /// <summary>Called with bucket, name and generation each time a write commits (uploads and <see cref="PutObject"/>): a write counter.</summary>
    public event Action<string, string, long>? ObjectWritten;

    /// <summary>Starts a server on a free port.</summary>
    public static async Task<GcsTestServer> StartAsync()
    {
        var server = new GcsTestServer();
        await server.InitializeAsync().ConfigureAwait(false);
        return server;
    }

    /// <summary>Answers the next <paramref name="count"/> requests (optionally only those of <paramref name="method"/>) with <paramref name="statusCode"/> and a JSON API error body.</summary>
    public void FailNext(int count, int statusCode, string? method = null) =>
        FailNext(count, statusCode, request => method is null || request.StartsWith(method + " ", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Answers the next <paramref name="count"/> requests for which <paramref name="requestMatches"/> returns
    /// <see langword="true"/> with <paramref name="statusCode"/>. The predicate sees <c>METHOD rawTarget</c>, for example
    /// <c>r =&gt; r.Contains("alt=media")</c> for downloads only or <c>r =&gt; r.StartsWith("POST /upload")</c> for uploads.
    /// </summary>
    public void FailNext(int count, int statusCode, Func<string, bool> requestMatches)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(requestMatches);
        lock (_faultLock)
        {
            _faults.Add(new Fault(count, statusCode, requestMatches));
        }
    }

    /// <summary>
    /// An outage: until <paramref name="duration"/> has passed, every request is answered 500, 503 or with a reset connection,
    /// in turn, as a storage backend in trouble does.
    /// </summary>
    public void FailFor(TimeSpan duration) =>
        Interlocked.Exchange(ref _outageUntilTicks, DateTime.UtcNow.Add(duration).Ticks);

    /// <summary>How many requests the current or last <see cref="FailFor"/> outage answered with a failure.</summary>
    public int OutageFailures => Volatile.Read(ref _outageFailures);

    /// <summary>Stores an object directly (no HTTP), as an upload with no precondition would; returns its generation.</summary>
    /// <param name="bucket">The bucket.</param>
    /// <param name="name">The object name.</param>
    /// <param name="data">The stored bytes (compressed ones when <paramref name="contentEncoding"/> is <c>gzip</c>).</param>
    /// <param name="contentType">The content type.</param>
    /// <param name="metadata">Custom metadata.</param>
    /// <param name="contentEncoding">
    /// The stored Content-Encoding. With <c>gzip</c> the object is served as Cloud Storage does: as stored to a request that
    /// accepts gzip (with <c>Content-Encoding: gzip</c>), decompressed to any other (decompressive transcoding).
    /// </param>
    /// <param name="reportedSize">The size the object resource states, when it should lie about the stored bytes.</param>
    public long PutObject(string bucket, string name, byte[] data, string? contentType = null, IReadOnlyDictionary<string, string>? metadata = null, string? contentEncoding = null, long? reportedSize = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        StoredObject written;
        lock (_writeLock)
        {
            written = new StoredObject(data, NextGeneration(), contentType, new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal), DateTimeOffset.UtcNow, contentEncoding, reportedSize);
            _objects[(bucket, name)] = written;
        }

        ObjectWritten?.Invoke(bucket, name, written.Generation);
        return written.Generation;
    }

    /// <summary>Drops the request log.</summary>
    public void ClearRequests() => _requests.Clear();

    /// <summary>The live object's bytes, generation, content type and metadata, or <see langword="null"/>.</summary>
    public (byte[] Data, long Generation, string? ContentType, IReadOnlyDictionary<string, string> Metadata)? GetObject(string bucket, string name) =>
        _objects.TryGetValue((bucket, name), out var o) ? (o.Data, o.Generation, o.ContentType, o.Metadata) : null;

    /// <summary>Names of the live objects in a bucket.</summary>
    public IReadOnlyList<string> ListObjects(string bucket) => [.. _objects.Keys.Where(k => k.Bucket == bucket).Select(k => k.Name).Order(StringComparer.Ordinal)];

    public async Task InitializeAsync()
    {
        TestLayer.RequireIntegration("the in-test Cloud Storage server (Kestrel)");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Limits.MaxRequestBodySize = null;
        });
        _app = builder.Build();
        _app.Run(async context =>
        {
            try
            {
                await HandleAsync(context).ConfigureAwait(false);
            }
            catch (Exception ex) when (!context.Response.HasStarted)
            {
                // A bug in this server, not an injected fault: say so in the error body the client will report.
                await ErrorAsync(context, 500, $"GcsTestServer failed: {ex}").ConfigureAwait(false);
            }
        });
        await _app.StartAsync().ConfigureAwait(false);
        var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        Port = new Uri(address).Port;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync().ConfigureAwait(false);

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var rawTarget = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        _requests.Enqueue($"{request.Method} {rawTarget}");
        RequestReceived?.Invoke($"{request.Method} {rawTarget}");

        if (DateTime.UtcNow.Ticks < Interlocked.Read(ref _outageUntilTicks))
        {
            switch (Interlocked.Increment(ref _outageFailures) % 3)
            {
                case 0:
                    context.Abort(); // a reset connection
                    return;
                case 1:
                    await ErrorAsync(context, 500, "Injected outage").ConfigureAwait(false);
                    return;
                default:
                    await ErrorAsync(context, 503, "Injected outage").ConfigureAwait(false);
                    return;
            }
        }

        if (TakeFault($"{request.Method} {rawTarget}") is { } status)
        {
            // Drain the body so the client sees the answer rather than a reset connection.
            await request.Body.CopyToAsync(Stream.Null).ConfigureAwait(false);
            await ErrorAsync(context, status, "Injected failure").ConfigureAwait(false);
            return;
        }

        // Google's client gzips JSON request bodies.
        if (string.Equals(request.Headers.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase))
        {
            request.Body = new GZipStream(request.Body, CompressionMode.Decompress);
        }

        var queryIndex = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var path = queryIndex < 0 ? rawTarget : rawTarget[..queryIndex];
        var query = QueryHelpers.ParseQuery(queryIndex < 0 ? string.Empty : rawTarget[queryIndex..]);
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);

        // /storage/v1/b/{bucket}/o/{object} and /download/storage/v1/b/{bucket}/o/{object}
        var offset = segments.Length > 0 && segments[0] is "download" or "upload" ? 1 : 0;
        var isUpload = offset == 1 && segments[0] == "upload";
        if (segments.Length < offset + 5 || segments[offset] != "storage" || segments[offset + 1] != "v1" || segments[offset + 2] != "b" || segments[offset + 4] != "o")
        {
            await ErrorAsync(context, 404, $"Not handled by the test server: {path}").ConfigureAwait(false);
            return;
        }

        var bucket = Uri.UnescapeDataString(segments[offset + 3]);
        var objectName = segments.Length > offset + 5 ? Uri.UnescapeDataString(segments[offset + 5]) : null;

        switch (request.Method)
        {
            case "POST" when isUpload:
                await StartUploadAsync(context, bucket, query).ConfigureAwait(false);
                break;
            case "PUT" when isUpload && query.TryGetValue("upload_id", out var uploadId):
                await ContinueUploadAsync(context, uploadId.ToString()).ConfigureAwait(false);
                break;
            case "GET" when objectName is not null:
                await GetAsync(context, bucket, objectName, query).ConfigureAwait(false);
                break;
            case "DELETE" when objectName is not null:
                await DeleteAsync(context, bucket, objectName, query).ConfigureAwait(false);
                break;
            default:
                await ErrorAsync(context, 405, $"Not handled by the test server: {request.Method} {path}").ConfigureAwait(false);
                break;
        }
    }

    private int? TakeFault(string request)
    {
        lock (_faultLock)
        {
            var index = _faults.FindIndex(f => f.Remaining > 0 && f.Matches(request));
            if (index < 0)
            {
                return null;
            }

            var fault = _faults[index];
            _faults[index] = fault with { Remaining = fault.Remaining - 1 };
            return fault.StatusCode;
        }
    }

    private async Task GetAsync(HttpContext context, string bucket, string name, IDictionary<string, Microsoft.Extensions.Primitives.StringValues> query)
    {
        if (!_objects.TryGetValue((bucket, name), out var obj))
        {
            await ErrorAsync(context, 404, $"No such object: {bucket}/{name}").ConfigureAwait(false);
            return;
        }

        // Only the live generation exists here (no object versioning).
        if (query.TryGetValue("generation", out var generation) && long.Parse(generation.ToString(), CultureInfo.InvariantCulture) != obj.Generation)
        {
            await ErrorAsync(context, 404, $"No such object: {bucket}/{name}#{generation}").ConfigureAwait(false);
            return;
        }

        if (!PreconditionHolds(query, obj.Generation))
        {
            await ErrorAsync(context, 412, "At least one of the pre-conditions you specified did not hold.").ConfigureAwait(false);
            return;
        }

        if (query.TryGetValue("alt", out var alt) && alt == "media")
        {
            context.Response.ContentType = obj.ContentType ?? "application/octet-stream";
            context.Response.Headers["x-goog-generation"] = obj.Generation.ToString(CultureInfo.InvariantCulture);
            if (string.Equals(obj.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers["x-goog-stored-content-encoding"] = "gzip";
                if (context.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase))
                {
                    context.Response.Headers.ContentEncoding = "gzip";
                    context.Response.ContentLength = obj.Data.Length;
                    await context.Response.Body.WriteAsync(obj.Data).ConfigureAwait(false);
                }
                else
                {
                    await using var gunzip = new GZipStream(new MemoryStream(obj.Data), CompressionMode.Decompress);
                    await gunzip.CopyToAsync(context.Response.Body).ConfigureAwait(false);
                }

                return;
            }

            context.Response.ContentLength = obj.Data.Length;
            await context.Response.Body.WriteAsync(obj.Data).ConfigureAwait(false);
            return;
        }

        await JsonAsync(context, 200, ToResource(bucket, name, obj)).ConfigureAwait(false);
    }

    private async Task DeleteAsync(HttpContext context, string bucket, string name, IDictionary<string, Microsoft.Extensions.Primitives.StringValues> query)
    {
        int status;
        lock (_writeLock)
        {
            if (!_objects.TryGetValue((bucket, name), out var obj))
            {
                status = 404;
            }
            else if (!PreconditionHolds(query, obj.Generation))
            {
                status = 412;
            }
            else
            {
                _objects.TryRemove((bucket, name), out _);
                status = 204;
            }
        }

        if (status == 204)
        {
            context.Response.StatusCode = 204;
            return;
        }

        await ErrorAsync(context, status, status == 404 ? $"No such object: {bucket}/{name}" : "At least one of the pre-conditions you specified did not hold.").ConfigureAwait(false);
    }

    private async Task StartUploadAsync(HttpContext context, string bucket, IDictionary<string, Microsoft.Extensions.Primitives.StringValues> query)
    {
        var uploadType = query.TryGetValue("uploadType", out var t) ? t.ToString() : "media";
        switch (uploadType)
        {
            case "resumable":
            {
                var metadata = await ReadJsonAsync(context.Request).ConfigureAwait(false);
                var session = new UploadSession(bucket, metadata, query.ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.Ordinal));
                if (session.Name is not null)
                {
                    session.Metadata["name"] = session.Name;
                }
                else
                {
                    await ErrorAsync(context, 400, "Required: object name").ConfigureAwait(false);
                    return;
                }

                // Cloud Storage checks the precondition when the session starts, and again when it completes.
                if (!PreconditionHolds(session.Query, LiveGeneration(bucket, session.Name)))
                {
                    await ErrorAsync(context, 412, "At least one of the pre-conditions you specified did not hold.").ConfigureAwait(false);
                    return;
                }

                var id = Guid.NewGuid().ToString("N");
                _sessions[id] = session;
                context.Response.Headers.Location = $"http://127.0.0.1:{Port}/upload/storage/v1/b/{Uri.EscapeDataString(bucket)}/o?uploadType=resumable&upload_id={id}";
                context.Response.StatusCode = 200;
                return;
            }

            case "multipart":
            {
                var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(context.Request.ContentType).Boundary).ToString();
                var reader = new MultipartReader(boundary, context.Request.Body) { BodyLengthLimit = null };
                // Sections are read in order: the metadata body before the next section is requested.
                var metadataSection = await reader.ReadNextSectionAsync().ConfigureAwait(false);
                var metadata = metadataSection is null ? null : await JsonNode.ParseAsync(metadataSection.Body).ConfigureAwait(false) as JsonObject;
                var mediaSection = await reader.ReadNextSectionAsync().ConfigureAwait(false);
                if (metadata is null || mediaSection is null)
                {
                    await ErrorAsync(context, 400, "A multipart upload needs a metadata part and a media part.").ConfigureAwait(false);
                    return;
                }

                using var data = new MemoryStream();
                await mediaSection.Body.CopyToAsync(data).ConfigureAwait(false);
                metadata["contentType"] ??= mediaSection.ContentType;
                await FinishAsync(context, bucket, metadata, query.ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.Ordinal), data.ToArray()).ConfigureAwait(false);
                return;
            }

            case "media":
            {
                using var data = new MemoryStream();
                await context.Request.Body.CopyToAsync(data).ConfigureAwait(false);
                var metadata = new JsonObject { ["name"] = query.TryGetValue("name", out var n) ? n.ToString() : null, ["contentType"] = context.Request.ContentType };
                await FinishAsync(context, bucket, metadata, query.ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.Ordinal), data.ToArray()).ConfigureAwait(false);
                return;
            }

            default:
                await ErrorAsync(context, 400, $"Unknown uploadType {uploadType}").ConfigureAwait(false);
                return;
        }
    }

    private async Task ContinueUploadAsync(HttpContext context, string uploadId)
    {
        if (!_sessions.TryGetValue(uploadId, out var session))
        {
            await ErrorAsync(context, 404, "No such upload session").ConfigureAwait(false);
            return;
        }

        // Content-Range: "bytes first-last/total", "bytes first-last/*" or "bytes */total" (status query or empty last chunk).
        var range = context.Request.Headers.ContentRange.ToString();
        long? total = null;
        long? first = null;
        if (range.StartsWith("bytes ", StringComparison.Ordinal))
        {
            var spec = range[6..];
            var slash = spec.IndexOf('/', StringComparison.Ordinal);
            var totalText = spec[(slash + 1)..];
            total = totalText == "*" ? null : long.Parse(totalText, CultureInfo.InvariantCulture);
            var span = spec[..slash];
            if (span != "*")
            {
                first = long.Parse(span[..span.IndexOf('-', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
            }
        }

        using var chunk = new MemoryStream();
        await context.Request.Body.CopyToAsync(chunk).ConfigureAwait(false);
        lock (session)
        {
            if (first is { } start && chunk.Length > 0)
            {
                if (start > session.Data.Length)
                {
                    context.Response.StatusCode = 400;
                    return;
                }

                // A resent chunk overlapping what arrived before replaces that part.
                session.Data.SetLength(start);
                session.Data.Position = start;
                chunk.Position = 0;
                chunk.CopyTo(session.Data);
            }
        }

        if (total is { } expected && session.Data.Length == expected)
        {
            _sessions.TryRemove(uploadId, out _);
            await FinishAsync(context, session.Bucket, session.Metadata, session.Query, session.Data.ToArray()).ConfigureAwait(false);
            return;
        }

        // 308 "Resume Incomplete" with the range received so far.
        context.Response.StatusCode = 308;
        if (session.Data.Length > 0)
        {
            context.Response.Headers.Range = $"bytes=0-{session.Data.Length - 1}";
        }
    }

    private async Task FinishAsync(HttpContext context, string bucket, JsonObject metadata, IReadOnlyDictionary<string, string> query, byte[] data)
    {
        var name = metadata["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name))
        {
            await ErrorAsync(context, 400, "Required: object name").ConfigureAwait(false);
            return;
        }

        StoredObject? written = null;
        lock (_writeLock)
        {
            if (PreconditionHolds(query, LiveGeneration(bucket, name)))
            {
                var customMetadata = new Dictionary<string, string>(StringComparer.Ordinal);
                if (metadata["metadata"] is JsonObject custom)
                {
                    foreach (var (key, value) in custom)
                    {
                        customMetadata[key] = value?.GetValue<string>() ?? string.Empty;
                    }
                }

                written = new StoredObject(data, NextGeneration(), metadata["contentType"]?.GetValue<string>(), customMetadata, DateTimeOffset.UtcNow);
                _objects[(bucket, name)] = written;
            }
        }

        if (written is null)
        {
            await ErrorAsync(context, 412, "At least one of the pre-conditions you specified did not hold.").ConfigureAwait(false);
            return;
        }

        ObjectWritten?.Invoke(bucket, name, written.Generation);

        await JsonAsync(context, 200, ToResource(bucket, name, written)).ConfigureAwait(false);
    }

    private long LiveGeneration(string bucket, string name) => _objects.TryGetValue((bucket, name), out var o) ? o.Generation : 0;

    private long NextGeneration() => Interlocked.Increment(ref _lastGeneration);

    private static bool PreconditionHolds(IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> query, long liveGeneration) =>
        PreconditionHolds(query.ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.Ordinal), liveGeneration);

    private static bool PreconditionHolds(IReadOnlyDictionary<string, string> query, long liveGeneration)
    {
        if (query.TryGetValue("ifGenerationMatch", out var match) && long.Parse(match, CultureInfo.InvariantCulture) != liveGeneration)
        {
            return false;
        }

        return !query.TryGetValue("ifGenerationNotMatch", out var notMatch) || long.Parse(notMatch, CultureInfo.InvariantCulture) != liveGeneration;
    }

    private JsonObject ToResource(string bucket, string name, StoredObject obj)
    {
        var metadata = new JsonObject();
        foreach (var (key, value) in obj.Metadata)
        {
            metadata[key] = value;
        }

        var generation = obj.Generation.ToString(CultureInfo.InvariantCulture);
        var resource = new JsonObject
        {
            ["kind"] = "storage#object",
            ["id"] = $"{bucket}/{name}/{generation}",
            ["selfLink"] = $"http://127.0.0.1:{Port}/storage/v1/b/{Uri.EscapeDataString(bucket)}/o/{Uri.EscapeDataString(name)}",
            ["mediaLink"] = $"http://127.0.0.1:{Port}/download/storage/v1/b/{Uri.EscapeDataString(bucket)}/o/{Uri.EscapeDataString(name)}?generation={generation}&alt=media",
            ["name"] = name,
            ["bucket"] = bucket,
            ["generation"] = generation,
            ["metageneration"] = "1",
            ["contentType"] = obj.ContentType,
            ["size"] = (obj.ReportedSize ?? obj.Data.Length).ToString(CultureInfo.InvariantCulture),
            ["md5Hash"] = Convert.ToBase64String(MD5.HashData(obj.Data)),
            ["storageClass"] = "STANDARD",
            ["timeCreated"] = obj.Updated.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["updated"] = obj.Updated.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        };
        if (obj.ContentEncoding is not null)
        {
            resource["contentEncoding"] = obj.ContentEncoding;
        }

        if (obj.Metadata.Count > 0)
        {
            resource["metadata"] = metadata;
        }

        return resource;
    }

    private static async Task<JsonObject> ReadJsonAsync(HttpRequest request)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body).ConfigureAwait(false);
        return body.Length == 0 ? [] : JsonNode.Parse(body.ToArray()) as JsonObject ?? [];
    }

    private static async Task JsonAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=UTF-8";
        await context.Response.WriteAsync(body.ToJsonString(), Encoding.UTF8).ConfigureAwait(false);
    }

    private static Task ErrorAsync(HttpContext context, int status, string message)
    {
        var reason = status switch
        {
            400 => "invalid",
            401 => "required",
            403 => "forbidden",
            404 => "notFound",
            412 => "conditionNotMet",
            429 => "rateLimitExceeded",
            _ => "backendError",
        };
        return JsonAsync(context, status, new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = status,
                ["message"] = message,
                ["errors"] = new JsonArray(new JsonObject { ["domain"] = "global", ["reason"] = reason, ["message"] = message }),
            },
        });
    }

    private sealed record Fault(int Remaining, int StatusCode, Func<string, bool> Matches);

    private sealed record StoredObject(byte[] Data, long Generation, string? ContentType, IReadOnlyDictionary<string, string> Metadata, DateTimeOffset Updated, string? ContentEncoding = null, long? ReportedSize = null);

    private sealed class UploadSession(string bucket, JsonObject metadata, IReadOnlyDictionary<string, string> query)
    {
        public string Bucket { get; } = bucket;

        public JsonObject Metadata { get; } = metadata;

        public IReadOnlyDictionary<string, string> Query { get; } = query;

        public string? Name => Metadata["name"]?.GetValue<string>() ?? (Query.TryGetValue("name", out var n) ? n : null);

        public MemoryStream Data { get; } = new();
    }
}
