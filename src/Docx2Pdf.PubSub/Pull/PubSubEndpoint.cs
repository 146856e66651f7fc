namespace Docx2Pdf.PubSub.Pull;

/// <summary>Where the Pub/Sub API is: the option, else <c>PUBSUB_EMULATOR_HOST</c>, else Google's production endpoint.</summary>
internal static class PubSubEndpoint
{
    public const string EmulatorHostVariable = "PUBSUB_EMULATOR_HOST";

    public static readonly Uri Production = new("https://pubsub.googleapis.com/");

    public static Uri Resolve(PubSubPullOptions options, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Endpoint is { } endpoint)
        {
            return WithTrailingSlash(endpoint);
        }

        var emulator = (environment ?? Environment.GetEnvironmentVariable)(EmulatorHostVariable);
        return string.IsNullOrWhiteSpace(emulator) ? Production : new Uri($"http://{emulator.Trim()}/");
    }

    // Relative request URIs ("v1/...") resolve under the base only when it ends with a slash.
    private static Uri WithTrailingSlash(Uri uri) =>
        uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
}
