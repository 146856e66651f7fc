using Microsoft.Extensions.Options;

namespace Docx2Pdf.AspNetCore.PubSub;

/// <summary>Cross-field rules of <see cref="PubSubPushOptions"/>; every message names the setting.</summary>
internal sealed class PubSubPushOptionsValidator : IValidateOptions<PubSubPushOptions>
{
    private const string Prefix = PubSubPushOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, PubSubPushOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.AckDeadline < TimeSpan.FromSeconds(10) || options.AckDeadline > TimeSpan.FromSeconds(600))
        {
            errors.Add($"{Prefix}AckDeadline must be between 10 and 600 seconds (Pub/Sub's range); it is {options.AckDeadline.TotalSeconds:0.###} s.");
        }

        if (options.DeadlineSafetyMargin < TimeSpan.Zero || options.DeadlineSafetyMargin > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{Prefix}DeadlineSafetyMargin must be between 0 and 5 minutes; it is {options.DeadlineSafetyMargin}.");
        }

        if (options.MaxRequestBodySize is < 1024 or > 64L * 1024 * 1024)
        {
            errors.Add($"{Prefix}MaxRequestBodySize must be between 1024 bytes and 64 MiB.");
        }

        var auth = options.Authentication;
        if (auth is null)
        {
            errors.Add($"{Prefix}Authentication must not be null.");
        }
        else if (auth.Enabled)
        {
            if (auth.AllowedServiceAccounts.Count(e => !string.IsNullOrWhiteSpace(e)) == 0)
            {
                errors.Add($"{Prefix}Authentication:AllowedServiceAccounts must name the push subscription's service account when {Prefix}Authentication:Enabled is true: any Google account can mint a token for any audience.");
            }

            if (!Uri.TryCreate(auth.CertificatesUrl, UriKind.Absolute, out var keys) || (keys.Scheme != Uri.UriSchemeHttps && keys.Scheme != Uri.UriSchemeHttp))
            {
                errors.Add($"{Prefix}Authentication:CertificatesUrl must be an absolute http(s) URL of a JWKS document.");
            }

            if (auth.Issuers.Count == 0)
            {
                errors.Add($"{Prefix}Authentication:Issuers must name at least one issuer.");
            }

            if (auth.Audience is { } audience && string.IsNullOrWhiteSpace(audience))
            {
                errors.Add($"{Prefix}Authentication:Audience must not be blank; leave it unset to use the request URL.");
            }

            if (auth.ClockTolerance < TimeSpan.Zero || auth.ClockTolerance > TimeSpan.FromMinutes(5))
            {
                errors.Add($"{Prefix}Authentication:ClockTolerance must be between 0 and 5 minutes.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>The margin actually kept: at most half the ack deadline.</summary>
    internal static TimeSpan EffectiveMargin(PubSubPushOptions options) =>
        options.DeadlineSafetyMargin < options.AckDeadline / 2 ? options.DeadlineSafetyMargin : options.AckDeadline / 2;
}
