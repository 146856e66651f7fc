using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.PubSub;

/// <summary>Settings of the Pub/Sub pull subscriber (configuration section <c>Docx2Pdf:PubSub:Pull</c>).</summary>
public sealed class PubSubPullOptions
{
    /// <summary>
    /// The configuration section the options bind from: <c>Docx2Pdf:PubSub:Pull</c> (relative to the section passed to
    /// <c>AddDocx2Pdf(section)</c>, when one was).
    /// </summary>
    public const string SectionName = "Docx2Pdf:PubSub:Pull";

    /// <summary>
    /// The subscription to pull from, in the form <c>projects/{project}/subscriptions/{subscription}</c>. Required.
    /// The default value is <see langword="null"/>.
    /// </summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Docx2Pdf:PubSub:Pull:Subscription is required: the full name of a pull subscription, projects/{{project}}/subscriptions/{{subscription}}.")]
    [RegularExpression(@"^projects/[^/]+/subscriptions/[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$", ErrorMessage = "Docx2Pdf:PubSub:Pull:Subscription is not of the form projects/{{project}}/subscriptions/{{subscription}} (subscription ids: 3-255 characters, letters, digits, - _ . ~ + %, starting with a letter).")]
    public string? Subscription { get; set; }

    /// <summary>
    /// The Pub/Sub API base address. When <see langword="null"/>, <c>PUBSUB_EMULATOR_HOST</c> (host:port, plain HTTP,
    /// no credentials) is used when set, else <c>https://pubsub.googleapis.com/</c>. Access tokens from Application
    /// Default Credentials are attached to <c>https</c> endpoints only. The default value is <see langword="null"/>.
    /// </summary>
    public Uri? Endpoint { get; set; }

    /// <summary>
    /// How many conversions run at once. When <see langword="null"/>, the LibreOffice pool size
    /// (<c>Docx2Pdf:LibreOffice:PoolSize</c>) when available, else the processor count. The default value is <see langword="null"/>.
    /// </summary>
    [SettingRange(1, 256, ErrorMessage = "Docx2Pdf:PubSub:Pull:MaxConcurrentConversions must be between 1 and 256.")]
    public int? MaxConcurrentConversions { get; set; }

    /// <summary>
    /// Flow control: the most messages held at once (converting plus waiting for a converter). Messages beyond
    /// it are not pulled, so their ack deadlines cannot run out in a local queue. When <see langword="null"/>,
    /// <see cref="MaxConcurrentConversions"/> plus 2. The default value is <see langword="null"/>.
    /// </summary>
    [SettingRange(1, 1000, ErrorMessage = "Docx2Pdf:PubSub:Pull:MaxOutstandingMessages must be between 1 and 1000.")]
    public int? MaxOutstandingMessages { get; set; }

    /// <summary>
    /// The ack deadline requested for every held message when it is received and at each lease extension
    /// (which happens every half of it), 10 s to 600 s. Every Pub/Sub call is given up after half of it.
    /// The default value is 60 seconds.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:10", "00:10:00", ErrorMessage = "Docx2Pdf:PubSub:Pull:AckDeadline must be between 10 and 600 seconds (Pub/Sub's limits), for example 00:01:00.")]
    public TimeSpan AckDeadline { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a held message's lease is extended at most; after it the message is left to expire and Pub/Sub
    /// delivers it again. Keep it above the conversion timeout. The default value is 1 hour.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:10", "1.00:00:00", ErrorMessage = "Docx2Pdf:PubSub:Pull:MaxLeaseDuration must be at least Docx2Pdf:PubSub:Pull:AckDeadline and at most 1 day (1.00:00:00).")]
    public TimeSpan MaxLeaseDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The longest wait between pulls while the subscription is empty (the wait starts at 100 ms and doubles).
    /// The default value is 2 seconds.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.1", "00:01:00", ErrorMessage = "Docx2Pdf:PubSub:Pull:MaxIdlePollInterval must be between 100 ms and 1 minute (00:01:00).")]
    public TimeSpan MaxIdlePollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The longest wait between pulls after failures (network errors, 5xx, permission or not-found errors); the wait
    /// starts at 1 s and doubles. The default value is 60 seconds.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "00:30:00", ErrorMessage = "Docx2Pdf:PubSub:Pull:MaxPullBackoff must be between 1 second and 30 minutes (00:30:00).")]
    public TimeSpan MaxPullBackoff { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The timeout of one HTTP attempt to the Pub/Sub API (retries get their own). Each call, retries included, ends within
    /// half of <see cref="AckDeadline"/> whatever this says, so a hanging call never outlives a lease. The default value is 30 seconds.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = "Docx2Pdf:PubSub:Pull:RequestTimeout must be between 1 second and 5 minutes (00:05:00).")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>The data-annotation rules of <see cref="PubSubPullOptions"/>, source-generated; the cross-field rules are in <see cref="Pull.PubSubPullOptionsRulesValidator"/>.</summary>
[OptionsValidator]
internal sealed partial class PubSubPullOptionsValidator : IValidateOptions<PubSubPullOptions>;
