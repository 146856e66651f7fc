using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.PubSub.Pull;

/// <summary>Start-up validation of <see cref="PubSubPullOptions"/>; every message names the setting.</summary>
internal sealed partial class PubSubPullOptionsValidator : IValidateOptions<PubSubPullOptions>
{
    private const string Prefix = PubSubPullOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, PubSubPullOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        if (string.IsNullOrWhiteSpace(options.Subscription))
        {
            failures.Add($"{Prefix}Subscription is required: the full name of a pull subscription, projects/{{project}}/subscriptions/{{subscription}}.");
        }
        else if (!SubscriptionName().IsMatch(options.Subscription))
        {
            failures.Add($"{Prefix}Subscription '{options.Subscription}' is not of the form projects/{{project}}/subscriptions/{{subscription}} (subscription ids: 3-255 characters, letters, digits, - _ . ~ + %, starting with a letter).");
        }

        if (options.Endpoint is { } endpoint && (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"{Prefix}Endpoint must be an absolute http or https URI, for example https://pubsub.googleapis.com/.");
        }

        if (options.MaxConcurrentConversions is < 1 or > 256)
        {
            failures.Add($"{Prefix}MaxConcurrentConversions must be between 1 and 256.");
        }

        if (options.MaxOutstandingMessages is < 1 or > 1000)
        {
            failures.Add($"{Prefix}MaxOutstandingMessages must be between 1 and 1000.");
        }

        if (options is { MaxOutstandingMessages: int outstanding, MaxConcurrentConversions: int concurrent } && outstanding < concurrent)
        {
            failures.Add($"{Prefix}MaxOutstandingMessages ({outstanding}) must not be less than {Prefix}MaxConcurrentConversions ({concurrent}).");
        }

        if (options.AckDeadline < TimeSpan.FromSeconds(10) || options.AckDeadline > TimeSpan.FromSeconds(600))
        {
            failures.Add($"{Prefix}AckDeadline must be between 10 and 600 seconds (Pub/Sub's limits).");
        }

        if (options.MaxLeaseDuration < options.AckDeadline)
        {
            failures.Add($"{Prefix}MaxLeaseDuration must not be less than {Prefix}AckDeadline.");
        }
        else if (options.MaxLeaseDuration > TimeSpan.FromDays(1))
        {
            failures.Add($"{Prefix}MaxLeaseDuration must be at most 1 day; it is {options.MaxLeaseDuration}.");
        }

        if (options.MaxIdlePollInterval < TimeSpan.FromMilliseconds(100) || options.MaxIdlePollInterval > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{Prefix}MaxIdlePollInterval must be between 100 ms and 1 minute.");
        }

        if (options.MaxPullBackoff < TimeSpan.FromSeconds(1) || options.MaxPullBackoff > TimeSpan.FromMinutes(30))
        {
            failures.Add($"{Prefix}MaxPullBackoff must be between 1 second and 30 minutes.");
        }

        if (options.RequestTimeout < TimeSpan.FromSeconds(1) || options.RequestTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{Prefix}RequestTimeout must be between 1 second and 5 minutes.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // https://cloud.google.com/pubsub/docs/pubsub-basics#resource_names
    [GeneratedRegex(@"^projects/[^/]+/subscriptions/[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$", RegexOptions.CultureInvariant)]
    private static partial Regex SubscriptionName();
}
