using System.Text.Json;
using Docx2Pdf.AspNetCore.PubSub;
using Google.Apis.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Docx2Pdf.AspNetCore.Authentication;

/// <summary>The verdict on a push request's OIDC token.</summary>
/// <param name="StatusCode">200 when accepted; 401, 403 or 503 otherwise.</param>
/// <param name="Reason">Why it was refused, safe to return (never the token).</param>
internal readonly record struct PushTokenVerdict(int StatusCode, string? Reason)
{
    public static PushTokenVerdict Accepted { get; } = new(StatusCodes.Status200OK, null);

    public bool IsAccepted => StatusCode == StatusCodes.Status200OK;
}

/// <summary>
/// Verifies the Google-signed OIDC token of an authenticated push subscription (RS256 only, the configured audience,
/// an allowed service account) with Google.Apis.Auth
/// (<see cref="JsonWebSignature.VerifySignedTokenAsync{TPayload}(string, SignedTokenVerificationOptions, CancellationToken)"/>,
/// whose <see cref="SignedTokenVerificationOptions.CertificatesUrl"/> lets tests and private deployments name their own JWKS).
/// </summary>
internal sealed class PushTokenVerifier(GoogleOidcOptions options, ILogger logger)
{
    public async Task<PushTokenVerdict> VerifyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers.Authorization.ToString();
        const string Bearer = "Bearer ";
        if (!header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) || header.Length == Bearer.Length)
        {
            return Refuse(StatusCodes.Status401Unauthorized, "The request carries no bearer token; the push subscription must be authenticated.");
        }

        var token = header[Bearer.Length..].Trim();

        // Google signs push tokens with RS256. Anything else is refused before the library sees it: it would otherwise
        // look for a key of another type (an ES256 header made it throw InvalidCastException, answered 500).
        if (SigningAlgorithm(token) is not "RS256")
        {
            return Refuse(StatusCodes.Status401Unauthorized, "The bearer token is invalid: it is not a JWT signed with RS256.");
        }

        // Never the request's own URL: its Host header is the sender's choice, so a token minted for another endpoint
        // could be replayed here under that host. The validator requires an audience.
        var audience = options.Audience!;
        var verification = new SignedTokenVerificationOptions
        {
            CertificatesUrl = options.CertificatesUrl,
            IssuedAtClockTolerance = options.ClockTolerance,
            ExpiryClockTolerance = options.ClockTolerance,
        };
        verification.TrustedAudiences.Add(audience);
        foreach (var issuer in options.Issuers)
        {
            verification.TrustedIssuers.Add(issuer);
        }

        GoogleJsonWebSignature.Payload payload;
        try
        {
            payload = await JsonWebSignature.VerifySignedTokenAsync<GoogleJsonWebSignature.Payload>(token, verification, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidJwtException ex)
        {
            // Google.Apis.Auth's messages name the failed check (issuer, audience, expiry, signature), never the token.
            return Refuse(StatusCodes.Status401Unauthorized, "The bearer token is invalid: " + ex.Message);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Not a verdict on the token: the keys are unreachable. 503 has Pub/Sub redeliver later.
            Log.SigningKeysUnavailable(logger, options.CertificatesUrl, ex);
            return new(StatusCodes.Status503ServiceUnavailable, "The token signing keys cannot be fetched right now.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever else the library throws on a hostile token (format, JSON, key type...), it is a refusal, never a 500.
            Log.TokenUnreadable(logger, ex.GetType().Name);
            return Refuse(StatusCodes.Status401Unauthorized, "The bearer token is not a well-formed signed JWT.");
        }

        // VerifySignedTokenAsync passes a token without any aud claim: require ours explicitly.
        if (!payload.AudienceAsList.Contains(audience, StringComparer.Ordinal))
        {
            return Refuse(StatusCodes.Status401Unauthorized, "The bearer token is invalid: JWT audience does not name this endpoint.");
        }

        if (payload.EmailVerified != true)
        {
            return Refuse(StatusCodes.Status403Forbidden, "The token's e-mail is not verified.");
        }

        if (payload.Email is null || !options.AllowedServiceAccounts.Contains(payload.Email, StringComparer.OrdinalIgnoreCase))
        {
            return Refuse(StatusCodes.Status403Forbidden, "The token belongs to a service account that may not push to this endpoint.");
        }

        return PushTokenVerdict.Accepted;
    }

    /// <summary>The <c>alg</c> of the token's header, or <see langword="null"/> when the header cannot be read.</summary>
    internal static string? SigningAlgorithm(string token)
    {
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot > 4096)
        {
            return null;
        }

        try
        {
            var segment = token[..dot].Replace('-', '+').Replace('_', '/');
            var json = Convert.FromBase64String(segment.PadRight(segment.Length + ((4 - (segment.Length % 4)) % 4), '='));
            using var header = JsonDocument.Parse(json);
            return header.RootElement.ValueKind == JsonValueKind.Object &&
                   header.RootElement.TryGetProperty("alg", out var alg) && alg.ValueKind == JsonValueKind.String
                ? alg.GetString()
                : null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }

    public static void Challenge(HttpResponse response, PushTokenVerdict verdict)
    {
        if (verdict.StatusCode == StatusCodes.Status401Unauthorized)
        {
            response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
        }
    }

    private PushTokenVerdict Refuse(int status, string reason)
    {
        Log.TokenRejected(logger, status, reason);
        return new(status, reason);
    }
}
