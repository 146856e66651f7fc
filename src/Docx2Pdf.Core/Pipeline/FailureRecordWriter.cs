using System.Globalization;
using Docx2Pdf.Notifications;
using Docx2Pdf.Storage;
using Microsoft.Extensions.Logging;

namespace Docx2Pdf.Pipeline;

/// <summary>
/// Applies <see cref="FailurePolicy"/> and writes the failure record a permanent failure needs, beside the outputs, so a
/// user can see why a document has no PDF. A permanent failure whose record could not be written is retried while a retry
/// can still write it.
/// </summary>
internal sealed class FailureRecordWriter(IObjectStore store, TimeProvider time, ILogger logger)
{
    private const string JsonContentType = "application/json";

    /// <summary>Decides what <paramref name="kind"/> means for <paramref name="e"/> and records it when it is permanent.</summary>
    public async Task<ConversionOutcome> FailAsync(
        StorageEvent e, long generation, FailureKind kind, string detail, Docx2PdfOptions options, CancellationToken cancellationToken, bool unexpected = false)
    {
        var decision = FailurePolicy.Decide(kind, detail, e, options, time.GetUtcNow(), unexpected);
        if (decision.GaveUp)
        {
            Log.GivingUp(logger, e.MessageId, e.Bucket, e.ObjectName, kind.ToLabel(), e.DeliveryAttempt, e.PublishTime ?? e.EventTime);
        }

        return decision.WriteRecord
            ? await WriteAsync(e, generation, decision.Outcome, options, cancellationToken).ConfigureAwait(false)
            : decision.Outcome;
    }

    /// <summary>Writes the failure record of a permanent <paramref name="outcome"/> decided elsewhere (the engine-failure ceiling).</summary>
    public Task<ConversionOutcome> RecordAsync(StorageEvent e, long generation, ConversionOutcome outcome, Docx2PdfOptions options, CancellationToken cancellationToken) =>
        WriteAsync(e, generation, outcome, options, cancellationToken);

    /// <summary>
    /// After generation <paramref name="generation"/> of the source converted: removes its failure record when it explains an
    /// older generation (or this one: the PDF now supersedes it), so a failure listing shows only documents without a PDF.
    /// Returns the removed record's name, or <see langword="null"/>.
    /// </summary>
    public async Task<string?> RemoveSupersededAsync(StorageEvent e, long generation, Docx2PdfOptions options, CancellationToken cancellationToken)
    {
        var outputBucket = options.OutputBucket!;
        var recordName = OutputNaming.FailureRecordName(options.FailurePrefix, e.ObjectName);
        var record = await store.GetInfoAsync(outputBucket, recordName, cancellationToken).ConfigureAwait(false);
        if (FailurePolicy.RecordedGeneration(record, OutputMetadata.FailureRecordMarker, e.Bucket, OutputNaming.SourceNameForMetadata(e.ObjectName)) is not { } recorded ||
            recorded > generation)
        {
            // None; one for a newer generation (work still to come); or not a record of this source.
            return null;
        }

        try
        {
            await store.DeleteAsync(outputBucket, recordName, record!.Generation, cancellationToken).ConfigureAwait(false);
            return recordName;
        }
        catch (StorageException ex) when (ex.Kind is FailureKind.StorageNotFound or FailureKind.StoragePreconditionFailed)
        {
            // Removed or rewritten by another worker in between: what is there now is theirs.
            return null;
        }
    }

    private async Task<ConversionOutcome> WriteAsync(StorageEvent e, long generation, ConversionOutcome outcome, Docx2PdfOptions options, CancellationToken cancellationToken)
    {
        var outputBucket = options.OutputBucket!;
        var kind = outcome.FailureKind!.Value;
        var detail = outcome.Detail ?? string.Empty;
        var recordName = OutputNaming.FailureRecordName(options.FailurePrefix, e.ObjectName);
        var record = new FailureRecord
        {
            SourceBucket = e.Bucket,
            SourceObject = e.ObjectName,
            SourceGeneration = generation,
            FailureKind = kind.ToLabel(),
            Message = detail,
            Time = time.GetUtcNow(),
            MessageId = e.MessageId,
            DeliveryAttempt = e.DeliveryAttempt,
        };
        var sourceObject = OutputNaming.SourceNameForMetadata(e.ObjectName);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [OutputMetadata.MarkerKey] = OutputMetadata.FailureRecordMarker,
            [OutputMetadata.SourceBucketKey] = e.Bucket,
            [OutputMetadata.SourceObjectKey] = sourceObject,
            [OutputMetadata.SourceGenerationKey] = generation.ToString(CultureInfo.InvariantCulture),
        };
        try
        {
            // A redelivery of a generation already recorded (or a newer one) is a duplicate: the record is not rewritten, so
            // its time and message id stay those of the first ending. Otherwise the write is conditional on what was read, so
            // two workers recording at once write one record and neither fails.
            var existing = await store.GetInfoAsync(outputBucket, recordName, cancellationToken).ConfigureAwait(false);
            if (FailurePolicy.IsRecorded(existing, e.Bucket, sourceObject, generation))
            {
                return ConversionOutcome.Duplicate(outputBucket, recordName);
            }

            using var content = new MemoryStream(record.ToUtf8Json(), writable: false);
            try
            {
                await store.UploadAsync(
                    outputBucket,
                    recordName,
                    content,
                    new ObjectWriteOptions { ContentType = JsonContentType, Metadata = metadata, IfGenerationMatch = existing?.Generation ?? 0 },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (StorageException ex) when (ex.Kind == FailureKind.StoragePreconditionFailed)
            {
                var now = await store.GetInfoAsync(outputBucket, recordName, cancellationToken).ConfigureAwait(false);
                if (FailurePolicy.IsRecorded(now, e.Bucket, sourceObject, generation))
                {
                    return ConversionOutcome.Duplicate(outputBucket, recordName);
                }

                throw;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ConversionOutcome.Failed(FailureKind.Interrupted, "The work was cancelled before the failure record was written.");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Untyped errors of the store count as transient: retried, so the explanation is not lost.
            var recordKind = ex is StorageException se ? se.Kind : FailureKind.StorageTransient;
            Log.FailureRecordNotWritten(logger, e.MessageId, e.Bucket, e.ObjectName, outputBucket, recordName, recordKind.ToLabel(), ex);
            if (recordKind.IsTransient() || recordKind == FailureKind.StoragePreconditionFailed)
            {
                // Never acknowledge a permanent failure whose explanation was lost while a retry can still write it.
                return ConversionOutcome.Failed(FailureKind.StorageTransient, $"The failure record could not be written; retry. The failure was: {kind.ToLabel()}: {detail}");
            }

            return outcome.WithDetail($"{detail} (The failure record could not be written: {recordKind.ToLabel()}.)");
        }

        Log.FailedPermanently(logger, e.MessageId, e.Bucket, e.ObjectName, generation, kind.ToLabel(), outputBucket, recordName, detail);
        return outcome;
    }
}
