using Microsoft.Extensions.Options;

namespace Docx2Pdf.PubSub.Pull;

/// <summary>
/// The rules of <see cref="PubSubPullOptions"/> data annotations cannot say (the endpoint's scheme, limits between two
/// settings); every message names the setting. Ranges and the subscription's form are attributes, checked by
/// <see cref="PubSubPullOptionsValidator"/>.
/// </summary>
internal sealed class PubSubPullOptionsRulesValidator : IValidateOptions<PubSubPullOptions>
{
    private const string Prefix = PubSubPullOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, PubSubPullOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        if (options.Endpoint is { } endpoint && (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"{Prefix}Endpoint must be an absolute http or https URI, for example https://pubsub.googleapis.com/.");
        }

        if (options is { MaxOutstandingMessages: int outstanding, MaxConcurrentConversions: int concurrent } && outstanding < concurrent)
        {
            failures.Add($"{Prefix}MaxOutstandingMessages ({outstanding}) must not be less than {Prefix}MaxConcurrentConversions ({concurrent}).");
        }

        if (options.MaxLeaseDuration < options.AckDeadline)
        {
            failures.Add($"{Prefix}MaxLeaseDuration must not be less than {Prefix}AckDeadline.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
