using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Docx2Pdf.Fire;

/// <summary>
/// Sits between the Pub/Sub emulator and the host(s), as Cloud Run's front end does: forwards each push, round-robin when
/// there are two hosts, and records every status the hosts answered (the emulator does not tell).
/// </summary>
internal sealed class PushProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 1000 }) { Timeout = TimeSpan.FromMinutes(11) };
    private int _next;
    private int _inFlight;
    private long _lastActivityTicks = DateTime.UtcNow.Ticks;

    private PushProxy(WebApplication app) => _app = app;

    /// <summary>The hosts to forward to; replaced entries (restarts) keep their port.</summary>
    public List<HostProcess> Targets { get; } = [];

    public ConcurrentDictionary<int, int> Statuses { get; } = new();

    public int Unreachable;

    public int InFlight => Volatile.Read(ref _inFlight);

    public TimeSpan SinceLastActivity => DateTime.UtcNow - new DateTime(Interlocked.Read(ref _lastActivityTicks), DateTimeKind.Utc);

    public Uri Endpoint { get; private set; } = null!;

    public static async Task<PushProxy> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var proxy = new PushProxy(app);
        app.Run(proxy.ForwardAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        proxy.Endpoint = new Uri(address + "/");
        return proxy;
    }

    /// <summary>Waits until no push is in flight and none arrived for <paramref name="quiet"/>, within <paramref name="bound"/>.</summary>
    public async Task WaitQuietAsync(TimeSpan quiet, TimeSpan bound)
    {
        var deadline = DateTime.UtcNow + bound;
        while (DateTime.UtcNow < deadline && (InFlight > 0 || SinceLastActivity < quiet))
        {
            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _http.Dispose();
    }

    private async Task ForwardAsync(HttpContext context)
    {
        Interlocked.Increment(ref _inFlight);
        Interlocked.Exchange(ref _lastActivityTicks, DateTime.UtcNow.Ticks);
        try
        {
            HostProcess target;
            lock (Targets)
            {
                target = Targets[(int)((uint)Interlocked.Increment(ref _next) % (uint)Targets.Count)];
            }

            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(target.BaseUri, context.Request.Path.Value!.TrimStart('/')))
            {
                Content = new ByteArrayContent(body.ToArray()),
            };
            foreach (var (key, value) in context.Request.Headers)
            {
                if (key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                {
                    request.Content.Headers.TryAddWithoutValidation(key, value.ToArray());
                }
                else if (key.StartsWith("x-goog", StringComparison.OrdinalIgnoreCase) || key.StartsWith("ce-", StringComparison.OrdinalIgnoreCase) || key.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
                {
                    request.Headers.TryAddWithoutValidation(key, value.ToArray());
                }
            }

            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, context.RequestAborted);
            }
            catch (HttpRequestException)
            {
                // The host is down (killed, restarting): Cloud Run's front end would answer 503 too; not the host's answer.
                Interlocked.Increment(ref Unreachable);
                context.Response.StatusCode = 503;
                return;
            }

            using (response)
            {
                Statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                context.Response.StatusCode = (int)response.StatusCode;
                if (response.Headers.RetryAfter is { } retryAfter)
                {
                    context.Response.Headers.RetryAfter = retryAfter.ToString();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            Interlocked.Exchange(ref _lastActivityTicks, DateTime.UtcNow.Ticks);
            Interlocked.Decrement(ref _inFlight);
        }
    }
}

/// <summary>
/// The listener external references in hostile documents point at (images, OLE links, INCLUDEPICTURE, remote templates):
/// a plain TCP listener on 127.0.0.1 that counts every connection. LibreOffice must never open one.
/// </summary>
internal sealed class ExternalReferenceListener : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private int _connections;

    public ExternalReferenceListener()
    {
        _listener.Start();
        _ = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url(string path) => $"http://127.0.0.1:{Port}/{path}";

    public int Connections => Volatile.Read(ref _connections);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
        }
    }
}

/// <summary>
/// A JWKS endpoint on 127.0.0.1 with one RSA key, and tokens shaped like the ones Pub/Sub push attaches: the valid one and
/// the hostile variants (forged signature, expired, wrong audience, wrong algorithm, unsigned).
/// </summary>
internal sealed class TokenLab : IAsyncDisposable
{
    public const string ServiceAccount = "push@fire.iam.gserviceaccount.com";
    private readonly RSA _key = RSA.Create(2048);
    private readonly RSA _otherKey = RSA.Create(2048);
    private readonly WebApplication _app;

    private TokenLab(WebApplication app) => _app = app;

    public Uri CertificatesUrl { get; private set; } = null!;

    public static async Task<TokenLab> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var lab = new TokenLab(app);
        app.Run(async context =>
        {
            var p = lab._key.ExportParameters(false);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(new
            {
                keys = new[] { new { kty = "RSA", alg = "RS256", use = "sig", kid = "fire", n = B64(p.Modulus!), e = B64(p.Exponent!) } },
            }));
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        lab.CertificatesUrl = new Uri(address + "/certs");
        return lab;
    }

    public string Valid(string audience) => Sign(_key, "RS256", audience, DateTimeOffset.UtcNow.AddMinutes(30));

    public IEnumerable<(string What, string Token)> Hostile(string audience)
    {
        yield return ("forged signature (another RSA key)", Sign(_otherKey, "RS256", audience, DateTimeOffset.UtcNow.AddMinutes(30)));
        yield return ("expired one hour ago", Sign(_key, "RS256", audience, DateTimeOffset.UtcNow.AddHours(-1)));
        yield return ("audience of another endpoint", Sign(_key, "RS256", "https://other.example/push", DateTimeOffset.UtcNow.AddMinutes(30)));
        yield return ("header says ES256", Sign(_key, "ES256", audience, DateTimeOffset.UtcNow.AddMinutes(30)));
        yield return ("header says HS256 (HMAC with the public key)", Hmac(audience));
        yield return ("alg none, no signature", Unsigned(audience));
        yield return ("garbage", "not.a.jwt");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _key.Dispose();
        _otherKey.Dispose();
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Part(object o) => B64(JsonSerializer.SerializeToUtf8Bytes(o));

    private static object Claims(string audience, DateTimeOffset expires) => new
    {
        iss = "https://accounts.google.com",
        aud = audience,
        email = ServiceAccount,
        email_verified = true,
        sub = "1234567890",
        iat = expires.AddHours(-1).ToUnixTimeSeconds(),
        exp = expires.ToUnixTimeSeconds(),
    };

    private static string Sign(RSA key, string alg, string audience, DateTimeOffset expires)
    {
        var input = Part(new { alg, kid = "fire", typ = "JWT" }) + "." + Part(Claims(audience, expires));
        var signature = key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return input + "." + B64(signature);
    }

    private string Hmac(string audience)
    {
        var input = Part(new { alg = "HS256", kid = "fire", typ = "JWT" }) + "." + Part(Claims(audience, DateTimeOffset.UtcNow.AddMinutes(30)));
        var signature = HMACSHA256.HashData(_key.ExportSubjectPublicKeyInfo(), Encoding.ASCII.GetBytes(input));
        return input + "." + B64(signature);
    }

    private static string Unsigned(string audience) =>
        Part(new { alg = "none", typ = "JWT" }) + "." + Part(Claims(audience, DateTimeOffset.UtcNow.AddMinutes(30))) + ".";
}
