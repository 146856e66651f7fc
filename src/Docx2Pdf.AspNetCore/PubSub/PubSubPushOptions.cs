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
    public TimeSpan AckDeadline { get; set; } = TimeSpan.FromSeconds(600);

    /// <summary>
    /// How long before <see cref="AckDeadline"/> the work is cancelled, so the 503 reaches Pub/Sub in time. The effective
    /// margin is at most half the ack deadline. The same margin is kept before the host's shutdown timeout.
    /// The default value is 10 seconds.
    /// </summary>
    public TimeSpan DeadlineSafetyMargin { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The largest request body accepted, in bytes; larger requests are answered 413. A Cloud Storage notification is about
    /// 1 KB. The default value is 1 MiB (1048576).
    /// </summary>
    public long MaxRequestBodySize { get; set; } = 1024 * 1024;

    /// <summary>Verification of the Google-signed OIDC token Pub/Sub attaches to each push. Off unless <see cref="PushAuthenticationOptions.Enabled"/>.</summary>
    public PushAuthenticationOptions Authentication { get; set; } = new();
}

/// <summary>Verification of the OIDC token (<c>Authorization: Bearer</c>) an authenticated push subscription sends.</summary>
public sealed class PushAuthenticationOptions
{
    /// <summary>The default JWKS address of Google's OIDC signing keys.</summary>
    public const string GoogleCertificatesUrl = "https://www.googleapis.com/oauth2/v3/certs";

    /// <summary>Whether every request must carry a valid token. The default value is <see langword="false"/>.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// The expected <c>aud</c> claim: the audience set on the push subscription. <see langword="null"/> means the URL of the
    /// request as this server sees it (Pub/Sub's default audience is the push endpoint URL); behind a proxy that rewrites
    /// scheme or host, set it explicitly. The default value is <see langword="null"/>.
    /// </summary>
    public string? Audience { get; set; }

    /// <summary>
    /// The service-account e-mails whose tokens are accepted (the subscription's push service account). Required when
    /// <see cref="Enabled"/>: any Google account can mint a token for any audience. The default value is empty.
    /// </summary>
    public IList<string> AllowedServiceAccounts { get; } = [];

    /// <summary>The accepted <c>iss</c> claims. The default value is <c>accounts.google.com</c> and <c>https://accounts.google.com</c>.</summary>
    public IList<string> Issuers { get; } = ["accounts.google.com", "https://accounts.google.com"];

    /// <summary>Where the signing keys (a JWKS document) are fetched from. The default value is <see cref="GoogleCertificatesUrl"/>.</summary>
    public string CertificatesUrl { get; set; } = GoogleCertificatesUrl;

    /// <summary>Tolerated clock skew for the <c>iat</c> and <c>exp</c> checks. The default value is 30 seconds.</summary>
    public TimeSpan ClockTolerance { get; set; } = TimeSpan.FromSeconds(30);
}
