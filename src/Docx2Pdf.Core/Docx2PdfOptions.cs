using System.ComponentModel.DataAnnotations;
using Docx2Pdf.Delivery;
using Docx2Pdf.Storage;
using Microsoft.Extensions.Options;

namespace Docx2Pdf;

/// <summary>
/// What the conversion pipeline converts, where the PDFs and failure records go, and when it gives up.
/// Bound from the configuration section <see cref="SectionName"/> (<c>Docx2Pdf</c>) and validated at start-up.
/// </summary>
public sealed class Docx2PdfOptions
{
    /// <summary>The configuration section these options are bound from: <c>Docx2Pdf</c>.</summary>
    public const string SectionName = "Docx2Pdf";

    /// <summary>
    /// The bucket the PDFs and failure records are written to. Required: when it is not set, the <c>OUTPUT_BUCKET</c>
    /// environment variable of Google's original Cloud Run sample is used; when neither is set, start-up fails.
    /// It may be the bucket being watched: the pipeline never converts its own output.
    /// The default value is <see langword="null"/>.
    /// </summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Docx2Pdf:OutputBucket is required: set it (or the OUTPUT_BUCKET environment variable) to the bucket the PDFs are written to.")]
    public string? OutputBucket { get; set; }

    /// <summary>
    /// Prepended to every output object name, for example <c>pdf/</c>. When the output bucket is also the watched
    /// bucket, objects under this prefix are never converted. The default value is <c>""</c> (the PDF sits beside its source).
    /// </summary>
    public string OutputPrefix { get; set; } = "";

    /// <summary>
    /// Where, in the output bucket, failure records go: a document that can never be converted gets a small JSON record
    /// at <c>FailurePrefix + object name + ".json"</c> explaining why it has no PDF. Must not be empty.
    /// The default value is <c>docx2pdf-failures/</c>.
    /// </summary>
    public string FailurePrefix { get; set; } = "docx2pdf-failures/";

    /// <summary>
    /// The buckets whose objects may be converted. An event for any other bucket is acknowledged, logged and counted
    /// (<see cref="Pipeline.IgnoreReason.BucketNotAllowed"/>), and nothing is read from that bucket: a forged or misrouted
    /// event cannot make the service read, convert or overwrite anything of another bucket. Empty means every bucket, and
    /// outside the Development environment the host warns at start. The default value is empty.
    /// </summary>
    public IList<string> InputBuckets { get; set; } = [];

    /// <summary>
    /// The object name extensions that are converted, compared case-insensitively (<c>.docx</c> matches <c>Report.DOCX</c>).
    /// Allowed: <c>.docx</c>, <c>.doc</c>, <c>.odt</c>, <c>.rtf</c>; the converter must have the same formats enabled.
    /// The default value is <c>[".docx"]</c>.
    /// </summary>
    public IList<string> Extensions { get; set; } = [".docx"];

    /// <summary>Objects larger than this many bytes are ignored (logged), never downloaded. The default value is 100 MiB.</summary>
    [SettingRange(typeof(long), "1", "9223372036854775807", ErrorMessage = "Docx2Pdf:MaxDocumentBytes must be at least 1.")]
    public long MaxDocumentBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>
    /// When an event's Pub/Sub delivery attempt reaches this number, an unexpected error (one no typed failure explains, such
    /// as a bug in an <see cref="OutputNameSelector"/>) becomes permanent: a failure record is written and the message is
    /// acknowledged. Failures that are not the document's doing never count: a busy converter, an interrupted conversion, a
    /// storage fault are retried for as long as Pub/Sub redelivers. Engine failures count per source generation instead
    /// (<see cref="MaxEngineFailures"/>). Pub/Sub reports delivery attempts only when the subscription has a dead-letter
    /// policy; <see cref="MaxRetryAge"/> bounds the retries when it does not.
    /// The default value is 5.
    /// </summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Docx2Pdf:MaxDeliveryAttempts must be at least 1.")]
    public int MaxDeliveryAttempts { get; set; } = 5;

    /// <summary>
    /// An unexpected error (see <see cref="MaxDeliveryAttempts"/>) becomes permanent (recorded and acknowledged) when the event
    /// was published longer ago than this, with or without a dead-letter policy. At most 31 days.
    /// The default value is 24 hours.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", "31.00:00:00", MinimumIsExclusive = true, ErrorMessage = "Docx2Pdf:MaxRetryAge must be positive and at most 31 days (Pub/Sub keeps messages at most that long), for example 1.00:00:00 (one day).")]
    public TimeSpan MaxRetryAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How many times one generation of a document may time out, crash LibreOffice or take it past its memory cap before it
    /// gets a permanent failure record (<c>conversion_timeout</c>, <c>engine_crashed</c> or <c>too_complex</c>). Conversions
    /// the worker died in (a host killed mid-conversion, seen on a redelivery) count too. The count lives in a small object
    /// beside the failure records (<see cref="FailurePrefix"/>, name ending <c>.engine-failures.json</c>), so it survives
    /// restarts and is shared by every host; it is removed when the document (or a later generation of it) converts.
    /// The default value is 2.
    /// </summary>
    [SettingRange(1, 100, ErrorMessage = "Docx2Pdf:MaxEngineFailures must be between 1 and 100, for example 2.")]
    public int MaxEngineFailures { get; set; } = 2;

    /// <summary>
    /// When the output name is taken by an object Docx2Pdf did not write (no <see cref="Pipeline.OutputMetadata.MarkerKey"/>
    /// metadata, for example a user's own <c>contract.pdf</c>), <see langword="false"/> leaves it alone and records an
    /// <c>output_conflict</c> failure; <see langword="true"/> replaces it with the PDF (logged).
    /// The default value is <see langword="false"/>.
    /// </summary>
    public bool OverwriteForeignOutputs { get; set; }

    /// <summary>
    /// What the push endpoint and the pull subscriber do with a delivery that is no storage event at all (bad JSON, no
    /// bucket, ...): <see cref="InvalidMessageHandling.Acknowledge"/> drops it (logged at Error with the message id and the
    /// field, counted as <c>invalid_message</c>), so Pub/Sub does not redeliver it for days; <see cref="InvalidMessageHandling.Reject"/>
    /// (push 400, pull nack) keeps it for a subscription with a dead-letter topic.
    /// The default value is <see cref="InvalidMessageHandling.Acknowledge"/>.
    /// </summary>
    public InvalidMessageHandling InvalidMessages { get; set; } = InvalidMessageHandling.Acknowledge;

    /// <summary>
    /// The folder for the temporary copies of documents and PDFs while they are converted; each conversion works in a private
    /// subfolder that is always removed (folders left by a killed process are removed at the next start). It must belong to
    /// this process's user and not be writable by others; it is read once, at start. On Cloud Run this is memory. The default
    /// value is <c>docx2pdf-work</c> under
    /// <see cref="Path.GetTempPath"/>.
    /// </summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Docx2Pdf:WorkFolder must not be empty.")]
    public string WorkFolder { get; set; } = Path.Combine(Path.GetTempPath(), "docx2pdf-work");

    /// <summary>
    /// Maps a source object name to its output object name in <see cref="OutputBucket"/>, replacing the default rule
    /// (<see cref="OutputPrefix"/> + the name with its extension replaced by <c>.pdf</c>). Return <see langword="null"/> to skip
    /// the object. The result must still be a valid object name (at most 1,024 UTF-8 bytes, no line breaks).
    /// Not bindable from configuration. The default value is <see langword="null"/> (the default rule).
    /// </summary>
    public Func<string, string?>? OutputNameSelector { get; set; }

    /// <summary>Which object store holds the documents and receives the PDFs (section <c>Docx2Pdf:Storage</c>).</summary>
    [ValidateObjectMembers]
    public Docx2PdfStorageOptions Storage { get; set; } = new();
}

/// <summary>Which object store the pipeline uses. Bound from <c>Docx2Pdf:Storage</c>.</summary>
public sealed class Docx2PdfStorageOptions
{
    /// <summary>
    /// The store. When not set: <see cref="StorageProvider.CloudStorage"/> if <see cref="CloudStorage"/> has a base address or
    /// <c>STORAGE_EMULATOR_HOST</c>, <c>OUTPUT_BUCKET</c> or Cloud Run's <c>K_SERVICE</c> is set in the environment,
    /// <see cref="StorageProvider.FileSystem"/> otherwise.
    /// The default value is <see langword="null"/> (decided as above at start-up).
    /// </summary>
    public StorageProvider? Provider { get; set; }

    /// <summary>
    /// The root folder of the <see cref="StorageProvider.FileSystem"/> store: one subfolder per bucket.
    /// The default value is <c>docx2pdf-data</c> under the current directory.
    /// </summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Docx2Pdf:Storage:LocalRoot must not be empty.")]
    public string LocalRoot { get; set; } = "docx2pdf-data";

    /// <summary>
    /// Settings of the <see cref="StorageProvider.CloudStorage"/> store (section <c>Docx2Pdf:Storage:CloudStorage</c>): endpoint,
    /// upload chunk size, retries. The default value uses Google's endpoint with Application Default Credentials, or the
    /// emulator named by <c>STORAGE_EMULATOR_HOST</c>.
    /// </summary>
    [ValidateObjectMembers]
    public GcsObjectStoreOptions CloudStorage { get; set; } = new();

    /// <summary>The setting or environment variable that chose <see cref="Provider"/> (for the start-up log).</summary>
    internal string? ProviderChosenBy { get; set; }
}

/// <summary>The object stores Docx2Pdf can use.</summary>
public enum StorageProvider
{
    /// <summary>A local folder with one subfolder per bucket and Cloud Storage semantics (generations, metadata, preconditions).</summary>
    FileSystem,

    /// <summary>Google Cloud Storage (or an emulator named by <c>STORAGE_EMULATOR_HOST</c>).</summary>
    CloudStorage,
}
