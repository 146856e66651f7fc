using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using Docx2Pdf.AspNetCore.PubSub;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.AspNetCore.Tests;

// Tokens are signed with the test's own RSA key and verified against the test's local JWKS server (offline).
// The events are OBJECT_DELETE notifications: the real pipeline acknowledges them without converting, so each answer
// depends on authentication alone.
public sealed class AuthenticatedServerFixture : IAsyncLifetime
{
    /// <summary>The audience of the push subscription: the public URL, which is not the address the test server listens on.</summary>
    public const string Audience = "https://docx2pdf.example.run.app/";

    public OidcTokens Tokens { get; private set; } = null!;

    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Tokens = await OidcTokens.StartAsync();
        Server = await TestServer.StartAsync(services => services.Configure<PubSubPushOptions>(o =>
        {
            o.Authentication = PushAuthentication.GoogleOidc;
            o.GoogleOidc.Audience = Audience;
            o.GoogleOidc.CertificatesUrl = Tokens.CertificatesUrl.ToString();
            o.GoogleOidc.AllowedServiceAccounts.Add(OidcTokens.PushAccount);
            o.GoogleOidc.ClockTolerance = TimeSpan.FromSeconds(5);
        }));
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Tokens.DisposeAsync();
    }
}

[Trait("Layer", "Integration")]
public sealed class PushAuthenticationTests(AuthenticatedServerFixture fixture) : IClassFixture<AuthenticatedServerFixture>
{
    private readonly string _messageId = Guid.NewGuid().ToString("N");

    private OidcTokens Tokens => fixture.Tokens;

    private TestServer Server => fixture.Server;

    private IEnumerable<object> Mine => Server.Processed.Where(p => p.Event.MessageId == _messageId).Select(p => (object)p.Outcome);

    private static string Audience => AuthenticatedServerFixture.Audience;

    [Fact]
    public async Task Push_ValidToken_IsAcknowledged()
    {
        var response = await SendAsync(Tokens.Create(Audience));

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        Mine.Should().ContainSingle();
    }

    [Fact]
    public async Task Push_ValidTokenWithBareIssuer_IsAcknowledged()
    {
        var response = await SendAsync(Tokens.Create(Audience, issuer: "accounts.google.com"));

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Push_MissingToken_Is401WithChallenge()
    {
        var response = await SendAsync(token: null);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.Should().ContainSingle(h => h.Scheme == "Bearer");
        Mine.Should().BeEmpty();
    }

    [Fact]
    public async Task Push_ExpiredToken_Is401()
    {
        var issued = DateTimeOffset.UtcNow.AddHours(-3);
        var response = await SendAsync(Tokens.Create(Audience, issuedAt: issued, expires: issued.AddHours(1)));

        await ExpectRejectedAsync(response, HttpStatusCode.Unauthorized, "expired");
    }

    [Fact]
    public async Task Push_WrongAudience_Is401()
    {
        var response = await SendAsync(Tokens.Create("https://other-service.example/push"));

        await ExpectRejectedAsync(response, HttpStatusCode.Unauthorized, "aud");
    }

    [Fact]
    public async Task Push_WrongIssuer_Is401()
    {
        var response = await SendAsync(Tokens.Create(Audience, issuer: "https://evil.example"));

        await ExpectRejectedAsync(response, HttpStatusCode.Unauthorized, "issuer");
    }

    [Fact]
    public async Task Push_TokenOfAnotherAccount_Is403()
    {
        var response = await SendAsync(Tokens.Create(Audience, email: "someone-else@other-project.iam.gserviceaccount.com"));

        await ExpectRejectedAsync(response, HttpStatusCode.Forbidden, "service account");
    }

    [Fact]
    public async Task Push_UnverifiedEmail_Is403()
    {
        var response = await SendAsync(Tokens.Create(Audience, emailVerified: false));

        await ExpectRejectedAsync(response, HttpStatusCode.Forbidden, "not verified");
    }

    [Fact]
    public async Task Push_TamperedToken_Is401()
    {
        // A token of another account, re-labelled with the allowed e-mail after signing.
        var token = OidcTokens.Tamper(Tokens.Create(Audience, email: "intruder@other-project.iam.gserviceaccount.com"), "email", OidcTokens.PushAccount);

        var response = await SendAsync(token);

        await ExpectRejectedAsync(response, HttpStatusCode.Unauthorized, "signature");
    }

    [Fact]
    public async Task Push_TokenSignedWithUnknownKey_Is401()
    {
        using var otherKey = RSA.Create(2048);
        var response = await SendAsync(Tokens.Create(Audience, signWith: otherKey));

        await ExpectRejectedAsync(response, HttpStatusCode.Unauthorized, "signature");
    }

    // Issue 9 finding 1: an ES256 header made Google.Apis.Auth throw InvalidCastException, answered 500 with an Error log.
    [Fact]
    public async Task Push_Es256Token_Is401NotServerError()
    {
        // A valid token first, so the signing keys are fetched and cached as RSA keys: that is when ES256 broke.
        (await SendAsync(Tokens.Create(Audience))).StatusCode.Should().Be(HttpStatusCode.NoContent);

        var response = await SendAsync(OidcTokens.CreateEs256(Audience));

        await ExpectRejectedAsync(response, HttpStatusCode.Unauthorized, "RS256", acceptedBefore: 1);
    }

    [Fact]
    public async Task Push_UnsignedAlgNoneToken_Is401()
    {
        var response = await SendAsync(OidcTokens.CreateUnsigned(Audience));

        await ExpectRejectedAsync(response, HttpStatusCode.Unauthorized, "RS256");
    }

    // Issue 9 finding 1: the audience was taken from the request's URL, so a token minted for another push endpoint
    // could be replayed here by sending that endpoint's Host header.
    [Fact]
    public async Task Push_TokenOfAnotherEndpointReplayedWithItsHost_Is401()
    {
        const string OtherEndpoint = "http://other-endpoint.example/";
        using var client = Server.CreateClient();
        using var request = PushRequests.Wrapped(TestServer.InputBucket, "auth/doc.docx", 1, 100, eventType: "OBJECT_DELETE", messageId: _messageId);
        request.Headers.Host = new Uri(OtherEndpoint).Host;
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.Create(OtherEndpoint));

        var response = await client.SendAsync(request);

        await ExpectRejectedAsync(response, HttpStatusCode.Unauthorized, "aud");
    }

    [Fact]
    public async Task Push_GarbageToken_Is401()
    {
        var response = await SendAsync("not-a-jwt");

        await ExpectRejectedAsync(response, HttpStatusCode.Unauthorized, "invalid");
    }

    private async Task<HttpResponseMessage> SendAsync(string? token)
    {
        using var client = Server.CreateClient();
        using var request = PushRequests.Wrapped(TestServer.InputBucket, "auth/doc.docx", 1, 100, eventType: "OBJECT_DELETE", messageId: _messageId);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await client.SendAsync(request);
    }

    private async Task ExpectRejectedAsync(HttpResponseMessage response, HttpStatusCode status, string reasonFragment, int acceptedBefore = 0)
    {
        response.StatusCode.Should().Be(status);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        problem["detail"]!.GetValue<string>().Should().ContainEquivalentOf(reasonFragment);
        problem.ToJsonString().Should().NotContain(" at ").And.NotContain("/tmp");
        Mine.Should().HaveCount(acceptedBefore, "a refused push never reaches the pipeline");
    }
}

// The endpoint's own token check composes with the host's authorization: .RequireAuthorization() on the returned builder.
[Trait("Layer", "Integration")]
public sealed class PushAuthorizationTests
{
    [Fact]
    public async Task MapPubSubConversion_RequireAuthorization_HostPolicyApplies()
    {
        await using var server = await TestServer.StartAsync(
            services =>
            {
                services.AddAuthentication("Test").AddScheme<AuthenticationSchemeOptions, HeaderAuthenticationHandler>("Test", null);
                services.AddAuthorization();
            },
            map: app =>
            {
                app.UseAuthentication();
                app.UseAuthorization();
                app.MapPubSubConversion("/").RequireAuthorization();
            });
        using var client = server.CreateClient();

        using var anonymous = PushRequests.Wrapped(TestServer.InputBucket, "a.docx", 1, 10, eventType: "OBJECT_DELETE");
        var refused = await client.SendAsync(anonymous);
        using var signedIn = PushRequests.Wrapped(TestServer.InputBucket, "a.docx", 1, 10, eventType: "OBJECT_DELETE");
        signedIn.Headers.Add(HeaderAuthenticationHandler.Header, "pusher");
        var accepted = await client.SendAsync(signedIn);

        refused.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        accepted.StatusCode.Should().Be(HttpStatusCode.NoContent);
        server.Processed.Should().ContainSingle();
    }

    private sealed class HeaderAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string Header = "X-Test-User";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (!Request.Headers.TryGetValue(Header, out var user))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, user.ToString())], "Test");
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), "Test")));
        }
    }
}
