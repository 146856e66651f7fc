using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.AspNetCore.PubSub;

/// <summary>Settings of the Pub/Sub push and Eventarc endpoint mapped by <c>MapPubSubConversion()</c>.</summary>
public sealed class PubSubPushOptions
{
    /// <summary>
    /// The configuration section these options bind to: <c>Docx2Pdf:PubSub:Push</c> (relative to the section passed to
    /// <c>AddDocx2Pdf(section)</c>, when one was).
    /// </summary>
    public const string SectionName = "Docx2Pdf:PubSub:Push";

    /// <summary>
    /// The ack deadline of the push subscription (10 s to 600 s). No conversion outlives it: the work is cancelled and
    /// answered 503 <see cref="DeadlineSafetyMargin"/> before Pub/Sub would redeliver. Set it to the subscription's value.
    /// The default value is 600 seconds, what Cloud Run's documentation recommends for push subscriptions.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:10", "00:10:00", ErrorMessage = "Docx2Pdf:PubSub:Push:AckDeadline must be between 10 and 600 seconds (Pub/Sub's range), for example 00:10:00.")]
    public TimeSpan AckDeadline { get; set; } = TimeSpan.FromSeconds(600);

    /// <summary>
    /// How long before <see cref="AckDeadline"/> the work is cancelled, so the 503 reaches Pub/Sub in time. The effective
    /// margin is at most half the ack deadline. The same margin is kept before the host's shutdown timeout. At most 5 minutes.
    /// The default value is 10 seconds.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", "00:05:00", ErrorMessage = "Docx2Pdf:PubSub:Push:DeadlineSafetyMargin must be between 0 and 5 minutes (00:05:00).")]
    public TimeSpan DeadlineSafetyMargin { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The largest request body accepted, in bytes; larger requests are answered 413. A Cloud Storage notification is about
    /// 1 KB. Between 1024 bytes and 64 MiB. The default value is 1 MiB (1048576).
    /// </summary>
    [SettingRange(typeof(long), "1024", "67108864", ErrorMessage = "Docx2Pdf:PubSub:Push:MaxRequestBodySize must be between 1024 bytes and 64 MiB (67108864).")]
    public long MaxRequestBodySize { get; set; } = 1024 * 1024;

    /// <summary>
    /// How push requests are authenticated; there is no default outside the Development environment, where a host with no
    /// choice does not start. <see cref="PushAuthentication.GoogleOidc"/>: this endpoint verifies the Google-signed token
    /// (settings in <see cref="GoogleOidc"/>). <see cref="PushAuthentication.Platform"/>: the platform in front of the
    /// service verifies it (Cloud Run deployed with <c>--no-allow-unauthenticated</c>). <see cref="PushAuthentication.None"/>:
    /// nobody does; only for a network no one else can reach. The default value is <see langword="null"/> (not chosen).
    /// </summary>
    public PushAuthentication? Authentication { get; set; }

    /// <summary>How the Google-signed OIDC token is verified when <see cref="Authentication"/> is <see cref="PushAuthentication.GoogleOidc"/>.</summary>
    public GoogleOidcOptions GoogleOidc { get; set; } = new();
}

/// <summary>The data-annotation rules of <see cref="PubSubPushOptions"/>, source-generated; the authentication rules are in <see cref="PubSubPushOptionsRulesValidator"/>.</summary>
[OptionsValidator]
internal sealed partial class PubSubPushOptionsValidator : IValidateOptions<PubSubPushOptions>;

/// <summary>Who verifies that a push request comes from the Pub/Sub subscription (or Eventarc trigger) it claims to.</summary>
public enum PushAuthentication
{
    /// <summary>
    /// This endpoint verifies the Google-signed OIDC token (<c>Authorization: Bearer</c>) of an authenticated push
    /// subscription: RS256 signature by Google's keys, issuer, expiry, the configured audience and an allowed
    /// service-account e-mail. Refused requests are answered 401 or 403 and never reach the pipeline.
    /// </summary>
    GoogleOidc,

    /// <summary>
    /// The platform in front of this service verifies the token before the request arrives, for example Cloud Run
    /// deployed with <c>--no-allow-unauthenticated</c> and <c>roles/run.invoker</c> granted only to the push service
    /// account. This endpoint checks nothing itself; the choice is logged at start.
    /// </summary>
    Platform,

    /// <summary>
    /// No verification at all: whoever can reach the endpoint can have any object converted. Only for a private
    /// network no one else can reach (or local development); a warning is logged at start.
    /// </summary>
    None,
}

/// <summary>Verification of the OIDC token (<c>Authorization: Bearer</c>) an authenticated push subscription sends.</summary>
public sealed class GoogleOidcOptions
{
    /// <summary>The default JWKS address of Google's OIDC signing keys.</summary>
    public const string GoogleCertificatesUrl = "https://www.googleapis.com/oauth2/v3/certs";

    /// <summary>
    /// The expected <c>aud</c> claim: the audience set on the push subscription (by default Pub/Sub uses the push
    /// endpoint URL, for example <c>https://docx2pdf-abc-ew.a.run.app/</c>). Required: it is never taken from the
    /// request, whose <c>Host</c> header the sender chooses. The default value is <see langword="null"/>.
    /// </summary>
    public string? Audience { get; set; }

    /// <summary>
    /// The service-account e-mails whose tokens are accepted (the subscription's push service account). Required: any
    /// Google account can mint a token for any audience. A configured list replaces the default. The default value is empty.
    /// </summary>
    public IList<string> AllowedServiceAccounts { get; } = [];

    /// <summary>The accepted <c>iss</c> claims; a configured list replaces the default. The default value is <c>accounts.google.com</c> and <c>https://accounts.google.com</c>.</summary>
    public IList<string> Issuers { get; } = ["accounts.google.com", "https://accounts.google.com"];

    /// <summary>Where the signing keys (a JWKS document) are fetched from. The default value is <see cref="GoogleCertificatesUrl"/>.</summary>
    public string CertificatesUrl { get; set; } = GoogleCertificatesUrl;

    /// <summary>Tolerated clock skew for the <c>iat</c> and <c>exp</c> checks, at most 5 minutes. The default value is 30 seconds.</summary>
    public TimeSpan ClockTolerance { get; set; } = TimeSpan.FromSeconds(30);
}
