using System.Globalization;
using Docx2Pdf.Conversion;
using Docx2Pdf.Notifications;
using Docx2Pdf.Storage;

namespace Docx2Pdf.Pipeline;

/// <summary>
/// The pipeline's pure decisions: what an event asks for before any I/O, and what the live object and the existing output
/// say. No store, no converter, no clock: everything here is decided from its arguments.
/// </summary>
internal static class EventTriage
{
    /// <summary>
    /// Decides what an event asks for. Returns the outcome when it asks for no conversion, else <see langword="null"/> and the
    /// plan. A user's document that can never convert (empty, too large, a name no PDF or download can use) ends as a
    /// permanent <see cref="ConversionStatus.FailedPermanently"/> outcome, which the pipeline records; what is not a user's
    /// document (another event type, the library's own output, another extension) is <see cref="ConversionStatus.Ignored"/>.
    /// </summary>
    public static ConversionOutcome? Triage(StorageEvent e, Docx2PdfOptions options, out WorkPlan? plan)
    {
        plan = null;
        if (options.InputBuckets.Count > 0 && !options.InputBuckets.Contains(e.Bucket, StringComparer.Ordinal))
        {
            return ConversionOutcome.Ignored(IgnoreReason.BucketNotAllowed, "The bucket is not one of Docx2Pdf:InputBuckets; nothing was read from it.");
        }

        if (e.EventType != StorageEventType.Finalize)
        {
            return ConversionOutcome.Ignored(IgnoreReason.NotFinalize, $"Event type {e.RawEventType ?? e.EventType.ToString()} starts no conversion.");
        }

        var outputBucket = options.OutputBucket!;
        if (IsOwnOutput(e.ObjectMetadata))
        {
            return OwnOutput;
        }

        if (string.Equals(e.Bucket, outputBucket, StringComparison.Ordinal) &&
            (e.ObjectName.StartsWith(options.FailurePrefix, StringComparison.Ordinal) ||
             (options.OutputPrefix.Length > 0 && e.ObjectName.StartsWith(options.OutputPrefix, StringComparison.Ordinal))))
        {
            return ConversionOutcome.Ignored(IgnoreReason.OwnOutput, "The object is under the output or failure-record prefix of the output bucket.");
        }

        var extension = OutputNaming.FindExtension(e.ObjectName, options.Extensions);
        var format = DocumentFormats.FromExtension(extension);
        if (extension is null || format is null)
        {
            return ConversionOutcome.Ignored(IgnoreReason.ExtensionNotEnabled, $"The object name does not end with an enabled extension ({string.Join(", ", options.Extensions)}).");
        }

        // The event's own metadata and size, when its payload carried them (payloadFormat NONE carries neither).
        if (CheckSize(e.Size, options) is { } sizeOutcome)
        {
            return sizeOutcome;
        }

        if (OutputNaming.CheckObjectName(e.ObjectName) is { } badSource)
        {
            return ConversionOutcome.Failed(FailureKind.InvalidDocument, $"The object name cannot be used: {badSource}.");
        }

        var outputName = options.OutputNameSelector is { } selector
            ? selector(e.ObjectName)
            : OutputNaming.DefaultOutputName(e.ObjectName, extension, options.OutputPrefix);
        if (outputName is null)
        {
            return ConversionOutcome.Ignored(IgnoreReason.UnsafeName, "Docx2Pdf:OutputNameSelector returned no output name.");
        }

        if (OutputNaming.CheckObjectName(outputName) is { } badOutput)
        {
            return ConversionOutcome.Failed(FailureKind.InvalidDocument, $"No valid output name: {badOutput}.");
        }

        if (string.Equals(e.Bucket, outputBucket, StringComparison.Ordinal) && string.Equals(e.ObjectName, outputName, StringComparison.Ordinal))
        {
            return ConversionOutcome.Ignored(IgnoreReason.UnsafeName, "The output name equals the source name.");
        }

        plan = new WorkPlan(e.Bucket, e.ObjectName, format.Format, extension, outputBucket, outputName);
        return null;
    }

    /// <summary>
    /// The checks on the live source object (the event may not have carried its metadata or size): written by this library,
    /// empty, too large. Returns the outcome when the object asks for no work (permanent failures are to be recorded).
    /// </summary>
    public static ConversionOutcome? CheckSource(ObjectInfo source, Docx2PdfOptions options) =>
        IsOwnOutput(source.Metadata) ? OwnOutput : CheckSize(source.Size, options);

    /// <summary>Compares the live generation with the event's: stale when a newer one is live, gone when the event's no longer exists.</summary>
    public static ConversionOutcome? CheckGeneration(long eventGeneration, long liveGeneration) =>
        liveGeneration > eventGeneration
            ? ConversionOutcome.Ignored(IgnoreReason.StaleGeneration, $"The event names generation {eventGeneration}; generation {liveGeneration} is live.")
            : liveGeneration < eventGeneration
                ? ConversionOutcome.Ignored(IgnoreReason.ObjectGone, $"Generation {eventGeneration} no longer exists.")
                : null;

    /// <summary>The existing output was made from the same source object.</summary>
    public static bool IsFrom(ObjectInfo output, WorkPlan plan) =>
        output.Metadata.TryGetValue(OutputMetadata.SourceBucketKey, out var bucket) && bucket == plan.Bucket &&
        output.Metadata.TryGetValue(OutputMetadata.SourceObjectKey, out var name) && name == plan.ObjectName;

    /// <summary>The object carries the library's marker: a PDF, failure record or count Docx2Pdf wrote.</summary>
    public static bool IsWrittenByDocx2Pdf(ObjectInfo output) => IsOwnOutput(output.Metadata);

    /// <summary>The existing output was made from this generation of the source, or a newer one.</summary>
    public static bool IsDoneFor(ObjectInfo? output, WorkPlan plan, long generation) =>
        output is not null && IsFrom(output, plan) &&
        output.Metadata.TryGetValue(OutputMetadata.SourceGenerationKey, out var text) &&
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var made) &&
        made >= generation;

    private static ConversionOutcome OwnOutput => ConversionOutcome.Ignored(IgnoreReason.OwnOutput, "The object was written by Docx2Pdf.");

    private static bool IsOwnOutput(IReadOnlyDictionary<string, string>? metadata) =>
        metadata is not null && metadata.ContainsKey(OutputMetadata.MarkerKey);

    private static ConversionOutcome? CheckSize(long? size, Docx2PdfOptions options) => size switch
    {
        0 => ConversionOutcome.Failed(FailureKind.InvalidDocument, "The object is empty (0 bytes)."),
        { } bytes when bytes > options.MaxDocumentBytes => ConversionOutcome.Failed(FailureKind.DocumentTooLarge, $"The object is {bytes} bytes, over Docx2Pdf:MaxDocumentBytes ({options.MaxDocumentBytes})."),
        _ => null,
    };
}
