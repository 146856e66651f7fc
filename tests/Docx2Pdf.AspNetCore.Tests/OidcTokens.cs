using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Docx2Pdf.AspNetCore.Tests;

/// <summary>
/// Plays Google's token issuer: an RSA key of its own, served as a JWKS document from a local Kestrel server, and RS256
/// tokens shaped like the ones Pub/Sub attaches to authenticated pushes.
/// </summary>
public sealed class OidcTokens : IAsyncDisposable
{
    public const string PushAccount = "push-invoker@docx2pdf-test.iam.gserviceaccount.com";
    public const string KeyId = "test-key-1";

    private readonly RSA _key = RSA.Create(2048);
    private WebApplication? _jwks;

    public Uri CertificatesUrl { get; private set; } = null!;

    public static async Task<OidcTokens> StartAsync()
    {
        Docx2Pdf.Testing.TestLayer.RequireIntegration("a JWKS server (Kestrel)");
        var tokens = new OidcTokens();
        var parameters = tokens._key.ExportParameters(false);
        var jwks = new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["kty"] = "RSA",
                ["alg"] = "RS256",
                ["use"] = "sig",
                ["kid"] = KeyId,
                ["n"] = Base64Url(parameters.Modulus!),
                ["e"] = Base64Url(parameters.Exponent!),
            }),
        }.ToJsonString();

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.WebHost.UseKestrel();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/oauth2/v3/certs", () => Results.Text(jwks, "application/json"));
        await app.StartAsync();
        tokens._jwks = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        tokens.CertificatesUrl = new Uri(address.TrimEnd('/') + "/oauth2/v3/certs");
        return tokens;
    }

    /// <summary>A token as Pub/Sub would send it, with any claim changeable.</summary>
    public string Create(
        string audience,
        string issuer = "https://accounts.google.com",
        string email = PushAccount,
        bool emailVerified = true,
        DateTimeOffset? issuedAt = null,
        DateTimeOffset? expires = null,
        RSA? signWith = null) =>
        Sign(
            Payload(audience, issuer, email, emailVerified, issuedAt, expires),
            "RS256",
            input => (signWith ?? _key).SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    /// <summary>A token with Pub/Sub's claims whose header names ES256 (and the key id of the RS256 key), signed with an EC key.</summary>
    public static string CreateEs256(string audience)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return Sign(Payload(audience), "ES256", input => key.SignData(input, HashAlgorithmName.SHA256));
    }

    /// <summary>An unsigned token (<c>alg: none</c>) with Pub/Sub's claims.</summary>
    public static string CreateUnsigned(string audience) => Sign(Payload(audience), "none", _ => []);

    private static JsonObject Payload(
        string audience,
        string issuer = "https://accounts.google.com",
        string email = PushAccount,
        bool emailVerified = true,
        DateTimeOffset? issuedAt = null,
        DateTimeOffset? expires = null)
    {
        var iat = issuedAt ?? DateTimeOffset.UtcNow.AddMinutes(-1);
        return new JsonObject
        {
            ["aud"] = audience,
            ["azp"] = "113774264463038321964",
            ["email"] = email,
            ["email_verified"] = emailVerified,
            ["iat"] = iat.ToUnixTimeSeconds(),
            ["exp"] = (expires ?? iat.AddHours(1)).ToUnixTimeSeconds(),
            ["iss"] = issuer,
            ["sub"] = "113774264463038321964",
        };
    }

    private static string Sign(JsonObject payload, string algorithm, Func<byte[], byte[]> sign)
    {
        var header = new JsonObject { ["alg"] = algorithm, ["kid"] = KeyId, ["typ"] = "JWT" };
        var signingInput = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        return signingInput + "." + Base64Url(sign(Encoding.ASCII.GetBytes(signingInput)));
    }

    /// <summary>Changes the payload of a signed token without re-signing it.</summary>
    public static string Tamper(string token, string claim, JsonNode value)
    {
        var parts = token.Split('.');
        var payload = JsonNode.Parse(FromBase64Url(parts[1]))!.AsObject();
        payload[claim] = value;
        parts[1] = Base64Url(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        return string.Join('.', parts);
    }

    public async ValueTask DisposeAsync()
    {
        if (_jwks is not null)
        {
            await _jwks.StopAsync();
            await _jwks.DisposeAsync();
        }

        _key.Dispose();
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }
}
