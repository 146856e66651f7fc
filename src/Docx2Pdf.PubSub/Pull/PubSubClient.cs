using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Docx2Pdf.PubSub.Pull;

/// <summary>
/// The few Pub/Sub REST v1 calls the subscriber needs. A typed client: the <see cref="HttpClient"/> comes from
/// IHttpClientFactory with the base address, the resilience handler (retries of 5xx, 429 and network errors,
/// per-attempt timeout) and, outside the emulator, the credential handler.
/// </summary>
internal sealed class PubSubClient
{
    private readonly HttpClient _http;

    public PubSubClient(HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
    }

    /// <summary>Pulls up to <paramref name="maxMessages"/> messages.</summary>
    /// <remarks>
    /// Always <c>returnImmediately=true</c>: measured on the emulator, a long-poll pull that the client gives up on
    /// (timeout, shutdown) stays pending on the server and swallows the next message, which then waits for its ack
    /// deadline. Short polls with an idle backoff in the caller avoid that.
    /// </remarks>
    public async Task<IReadOnlyList<ReceivedMessage>> PullAsync(string subscription, int maxMessages, CancellationToken cancellationToken)
    {
        var response = await PostAsync(
            subscription,
            "pull",
            new PullRequest(maxMessages, ReturnImmediately: true),
            PubSubJsonContext.Default.PullRequest,
            PubSubJsonContext.Default.PullResponse,
            cancellationToken).ConfigureAwait(false);
        return response?.ReceivedMessages ?? [];
    }

    public Task AcknowledgeAsync(string subscription, IReadOnlyList<string> ackIds, CancellationToken cancellationToken) =>
        PostAsync<AcknowledgeRequest, PublishResponse>(subscription, "acknowledge", new AcknowledgeRequest(ackIds), PubSubJsonContext.Default.AcknowledgeRequest, null, cancellationToken);

    /// <summary>Sets the ack deadline of the messages to <paramref name="seconds"/> from now; 0 hands them back at once (nack).</summary>
    public Task ModifyAckDeadlineAsync(string subscription, IReadOnlyList<string> ackIds, int seconds, CancellationToken cancellationToken) =>
        PostAsync<ModifyAckDeadlineRequest, PublishResponse>(subscription, "modifyAckDeadline", new ModifyAckDeadlineRequest(ackIds, seconds), PubSubJsonContext.Default.ModifyAckDeadlineRequest, null, cancellationToken);

    /// <summary>Publishes messages to a topic; returns their ids. For samples and tests.</summary>
    public async Task<IReadOnlyList<string>> PublishAsync(string topic, IReadOnlyList<(ReadOnlyMemory<byte> Data, IReadOnlyDictionary<string, string>? Attributes)> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var request = new PublishRequest(messages.Select(m => new OutgoingMessage(Convert.ToBase64String(m.Data.Span), m.Attributes)).ToList());
        var response = await PostAsync(topic, "publish", request, PubSubJsonContext.Default.PublishRequest, PubSubJsonContext.Default.PublishResponse, cancellationToken).ConfigureAwait(false);
        return response?.MessageIds ?? [];
    }

    // responseType null: the body ({} on success) is not read; TResponse is then only a placeholder.
    private async Task<TResponse?> PostAsync<TRequest, TResponse>(
        string resource,
        string operation,
        TRequest body,
        JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse>? responseType,
        CancellationToken cancellationToken)
        where TResponse : class
    {
        ArgumentException.ThrowIfNullOrEmpty(resource);

        // Resource names are [A-Za-z0-9-_.~+%] by Pub/Sub's rules, so they go into the path as they are.
        var uri = new Uri($"v1/{resource}:{operation}", UriKind.Relative);
        using var content = JsonContent.Create(body, requestType);
        using var response = await _http.PostAsync(uri, content, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            ErrorBody? error = null;
            try
            {
                var parsed = await response.Content.ReadFromJsonAsync(PubSubJsonContext.Default.ErrorResponse, cancellationToken).ConfigureAwait(false);
                error = parsed?.Error;
            }
            catch (JsonException)
            {
                // Proxies and load balancers answer with HTML; the status code says enough.
            }

            throw new PubSubApiException(resource, operation, response.StatusCode, error?.Status, error?.Message);
        }

        if (responseType is null)
        {
            return null;
        }

        return await response.Content.ReadFromJsonAsync(responseType, cancellationToken).ConfigureAwait(false);
    }
}
