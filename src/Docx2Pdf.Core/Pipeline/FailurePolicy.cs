using System.Globalization;
using Docx2Pdf.Notifications;
using Docx2Pdf.Storage;

namespace Docx2Pdf.Pipeline;

/// <summary>What a failure means for an event: retry, or give up and record. Pure: decided from its arguments alone.</summary>
internal static class FailurePolicy
{
    /// <summary>
    /// Turns a failure into an outcome. Permanent kinds are recorded. Retryable kinds ask for a retry, and only an unexpected
    /// error (<paramref name="unexpected"/>: nothing typed explains it, so it may never go away) becomes permanent once
    /// <see cref="Docx2PdfOptions.MaxDeliveryAttempts"/> or <see cref="Docx2PdfOptions.MaxRetryAge"/> runs out. A busy
    /// converter, an interrupted conversion and a storage fault are not the document's doing and never count; engine failures
    /// count per source generation in <see cref="EngineFailureLedger"/>, not here.
    /// </summary>
    /// <param name="kind">The failure kind.</param>
    /// <param name="detail">A short explanation.</param>
    /// <param name="e">The event (its delivery attempt and publish time bound the retries).</param>
    /// <param name="options">The options.</param>
    /// <param name="now">The current time.</param>
    /// <param name="unexpected">The failure is an unexpected error mapped to <paramref name="kind"/>.</param>
    /// <returns>The outcome, and whether a failure record must be written for it.</returns>
    public static FailureDecision Decide(FailureKind kind, string detail, StorageEvent e, Docx2PdfOptions options, DateTimeOffset now, bool unexpected = false)
    {
        if (kind == FailureKind.StorageNotFound)
        {
            // Not found outside the reads that already handle it: the output bucket does not exist; a retry cannot help.
            kind = FailureKind.StoragePermanent;
        }
        else if (kind == FailureKind.StoragePreconditionFailed)
        {
            return new(ConversionOutcome.Failed(FailureKind.StorageTransient, detail), WriteRecord: false, GaveUp: false);
        }

        if (!kind.IsTransient())
        {
            return new(ConversionOutcome.Failed(kind, detail), WriteRecord: true, GaveUp: false);
        }

        if (!unexpected || !IsOutOfRetries(e, options, now))
        {
            return new(ConversionOutcome.Failed(kind, detail), WriteRecord: false, GaveUp: false);
        }

        var gaveUp = $"{detail} Gave up after delivery attempt {e.DeliveryAttempt?.ToString(CultureInfo.InvariantCulture) ?? "?"} (Docx2Pdf:MaxDeliveryAttempts {options.MaxDeliveryAttempts}, Docx2Pdf:MaxRetryAge {options.MaxRetryAge}).";
        return new(ConversionOutcome.GaveUp(kind, gaveUp), WriteRecord: true, GaveUp: true);
    }

    /// <summary>
    /// The existing failure record <paramref name="record"/> already records this source (<paramref name="sourceObject"/> as the
    /// record's metadata spells it) at <paramref name="generation"/> or a newer one: writing again would only rewrite it.
    /// </summary>
    public static bool IsRecorded(ObjectInfo? record, string bucket, string sourceObject, long generation) =>
        RecordedGeneration(record, OutputMetadata.FailureRecordMarker, bucket, sourceObject) >= generation;

    /// <summary>
    /// The source generation an object this library wrote with <paramref name="marker"/> names, when it names
    /// <paramref name="bucket"/>/<paramref name="sourceObject"/> (as <see cref="OutputNaming.SourceNameForMetadata"/> spells it);
    /// otherwise <see langword="null"/>.
    /// </summary>
    public static long? RecordedGeneration(ObjectInfo? info, string marker, string bucket, string sourceObject) =>
        info is not null &&
        info.Metadata.TryGetValue(OutputMetadata.MarkerKey, out var m) && m == marker &&
        info.Metadata.TryGetValue(OutputMetadata.SourceBucketKey, out var b) && b == bucket &&
        info.Metadata.TryGetValue(OutputMetadata.SourceObjectKey, out var o) && o == sourceObject &&
        info.Metadata.TryGetValue(OutputMetadata.SourceGenerationKey, out var text) &&
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var recorded)
            ? recorded
            : null;

    private static bool IsOutOfRetries(StorageEvent e, Docx2PdfOptions options, DateTimeOffset now)
    {
        if (e.DeliveryAttempt >= options.MaxDeliveryAttempts)
        {
            return true;
        }

        var published = e.PublishTime ?? e.EventTime;
        return published is { } t && now - t > options.MaxRetryAge;
    }
}

/// <summary>The outcome of a failure, whether it must be recorded, and whether it became permanent by running out of retries.</summary>
internal readonly record struct FailureDecision(ConversionOutcome Outcome, bool WriteRecord, bool GaveUp);
