using System.Net.Http.Headers;
using Google.Apis.Auth.OAuth2;

namespace Docx2Pdf.PubSub.Pull;

/// <summary>
/// Attaches an OAuth access token from Application Default Credentials (scope <c>pubsub</c>) to every request.
/// Inside the resilience handler, so every retry asks for a fresh (cached, refreshed when near expiry) token.
/// </summary>
internal sealed class GoogleCredentialHandler : DelegatingHandler
{
    internal const string PubSubScope = "https://www.googleapis.com/auth/pubsub";

    private readonly Func<Task<ITokenAccess>> _credentialFactory;
    private readonly Lock _gate = new();
    private Task<ITokenAccess>? _credential;

    public GoogleCredentialHandler()
        : this(static async () => (await GoogleCredential.GetApplicationDefaultAsync().ConfigureAwait(false)).CreateScoped(PubSubScope))
    {
    }

    public GoogleCredentialHandler(Func<Task<ITokenAccess>> credentialFactory)
    {
        ArgumentNullException.ThrowIfNull(credentialFactory);
        _credentialFactory = credentialFactory;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        // Never send a token over plain HTTP (the emulator needs none).
        if (request.RequestUri?.Scheme != Uri.UriSchemeHttps)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var credential = await GetCredentialAsync().ConfigureAwait(false);
        var token = await credential.GetAccessTokenForRequestAsync(request.RequestUri?.ToString(), cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    // Loaded once, but a failed load (metadata server not yet up) is tried again on the next request.
    private Task<ITokenAccess> GetCredentialAsync()
    {
        lock (_gate)
        {
            if (_credential is null || _credential.IsFaulted || _credential.IsCanceled)
            {
                _credential = _credentialFactory();
            }

            return _credential;
        }
    }
}
