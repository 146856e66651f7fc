using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.AspNetCore.PubSub;

/// <summary>Cross-field rules of <see cref="PubSubPushOptions"/> (who authenticates, and what that requires); every message names the setting. Ranges are attributes.</summary>
/// <param name="environment">The host's environment: only in Development may <see cref="PubSubPushOptions.Authentication"/> stay unset.</param>
internal sealed class PubSubPushOptionsRulesValidator(IHostEnvironment? environment = null) : IValidateOptions<PubSubPushOptions>
{
    private const string Prefix = PubSubPushOptions.SectionName + ":";

    /// <summary>What a host that made no choice is told; it names the three choices and what each means.</summary>
    internal static readonly string NoChoiceMessage =
        $"{Prefix}Authentication is not set, and outside the Development environment there is no default. Choose who verifies that push " +
        $"requests come from your Pub/Sub subscription: GoogleOidc (this endpoint verifies the Google-signed OIDC token; also set " +
        $"{Prefix}GoogleOidc:Audience to the subscription's audience and {Prefix}GoogleOidc:AllowedServiceAccounts to its push service account), " +
        "Platform (the platform in front verifies it, for example Cloud Run deployed with --no-allow-unauthenticated and roles/run.invoker " +
        "granted only to the push service account), or None (nobody verifies anything: only on a private network no one else can reach).";

    /// <summary>The mode the endpoint runs in: the choice, or <see cref="PushAuthentication.None"/> for an unset choice in Development.</summary>
    internal static PushAuthentication EffectiveMode(PubSubPushOptions options) => options.Authentication ?? PushAuthentication.None;

    public ValidateOptionsResult Validate(string? name, PubSubPushOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        ValidateAuthentication(options, errors);

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private void ValidateAuthentication(PubSubPushOptions options, List<string> errors)
    {
        if (options.Authentication is null)
        {
            if (environment?.IsDevelopment() != true)
            {
                errors.Add(NoChoiceMessage);
            }

            return;
        }

        if (!Enum.IsDefined(options.Authentication.Value))
        {
            errors.Add($"{Prefix}Authentication must be GoogleOidc, Platform or None.");
            return;
        }

        var oidc = options.GoogleOidc;
        if (oidc is null)
        {
            errors.Add($"{Prefix}GoogleOidc must not be null.");
            return;
        }

        if (options.Authentication != PushAuthentication.GoogleOidc)
        {
            return;
        }

        const string Oidc = Prefix + "GoogleOidc:";
        if (string.IsNullOrWhiteSpace(oidc.Audience))
        {
            errors.Add($"{Oidc}Audience is required when {Prefix}Authentication is GoogleOidc: the audience set on the push subscription (by default the push endpoint's URL). It is never taken from the request, whose Host header the sender chooses.");
        }

        if (oidc.AllowedServiceAccounts.Count(e => !string.IsNullOrWhiteSpace(e)) == 0)
        {
            errors.Add($"{Oidc}AllowedServiceAccounts must name the push subscription's service account when {Prefix}Authentication is GoogleOidc: any Google account can mint a token for any audience.");
        }

        if (!Uri.TryCreate(oidc.CertificatesUrl, UriKind.Absolute, out var keys) || (keys.Scheme != Uri.UriSchemeHttps && keys.Scheme != Uri.UriSchemeHttp))
        {
            errors.Add($"{Oidc}CertificatesUrl must be an absolute http(s) URL of a JWKS document.");
        }

        if (oidc.Issuers.Count(i => !string.IsNullOrWhiteSpace(i)) == 0)
        {
            errors.Add($"{Oidc}Issuers must name at least one issuer.");
        }

        if (oidc.ClockTolerance < TimeSpan.Zero || oidc.ClockTolerance > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{Oidc}ClockTolerance must be between 0 and 5 minutes.");
        }
    }

    /// <summary>The margin actually kept: at most half the ack deadline.</summary>
    internal static TimeSpan EffectiveMargin(PubSubPushOptions options) =>
        options.DeadlineSafetyMargin < options.AckDeadline / 2 ? options.DeadlineSafetyMargin : options.AckDeadline / 2;
}
