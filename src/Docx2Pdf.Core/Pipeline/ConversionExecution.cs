using System.Globalization;
using Docx2Pdf.Conversion;
using Docx2Pdf.Diagnostics;
using Docx2Pdf.Notifications;
using Docx2Pdf.Storage;
using Microsoft.Extensions.Logging;

namespace Docx2Pdf.Pipeline;

/// <summary>
/// The I/O of one planned conversion: the live object and the existing output decide stale / duplicate / replace; then
/// download the exact generation into a private work folder, convert, and upload with a generation precondition so racing
/// workers write one PDF and neither fails. Every failure becomes an outcome through <see cref="FailureRecordWriter"/>.
/// </summary>
internal sealed class ConversionExecution(
    IObjectStore store,
    IDocumentConverter converter,
    FailureRecordWriter failures,
    TimeProvider time,
    ILogger logger,
    ConverterWorkspace workspace,
    ConversionAdmission? admission = null)
{
    private const string PdfContentType = "application/pdf";

    // Within Cloud Run's 10 s between SIGTERM and SIGKILL, beside the host's own drain.
    private static readonly TimeSpan UncountTimeout = TimeSpan.FromSeconds(3);

    private readonly EngineFailureLedger ledger = new(store);

    public async Task<ConversionOutcome> ExecuteAsync(StorageEvent e, WorkPlan plan, Docx2PdfOptions options, CancellationToken cancellationToken)
    {
        var phase = PipelinePhase.Metadata;
        long generation = e.Generation ?? 0;
        try
        {
            var source = await store.GetInfoAsync(plan.Bucket, plan.ObjectName, cancellationToken).ConfigureAwait(false);
            if (source is null)
            {
                return ConversionOutcome.Ignored(IgnoreReason.ObjectGone, "The object no longer exists.");
            }

            generation = e.Generation ?? source.Generation;
            if (EventTriage.CheckGeneration(generation, source.Generation) is { } generationOutcome)
            {
                return generationOutcome;
            }

            // Events with payloadFormat NONE carry no size or metadata: check them on the live object.
            if (EventTriage.CheckSource(source, options) is { } sourceOutcome)
            {
                return sourceOutcome.FailureKind is { } sourceKind
                    ? await failures.FailAsync(e, generation, sourceKind, sourceOutcome.Detail ?? string.Empty, options, cancellationToken).ConfigureAwait(false)
                    : sourceOutcome;
            }

            // Cloud Storage serves an object stored with a Content-Encoding (gzip) decompressed: its size says nothing about
            // what the download writes, and LibreOffice would get the decompressed bytes. Refused (docs/security.md).
            if (source.ContentEncoding is not null && !string.Equals(source.ContentEncoding, "identity", StringComparison.OrdinalIgnoreCase))
            {
                throw new DocumentRejectedException(FailureKind.InvalidDocument, "The object is stored with a Content-Encoding (for example gzip), which Cloud Storage serves decompressed; upload the document without one.");
            }

            phase = PipelinePhase.OutputCheck;
            var existing = await store.GetInfoAsync(plan.OutputBucket, plan.OutputName, cancellationToken).ConfigureAwait(false);
            if (EventTriage.IsDoneFor(existing, plan, generation))
            {
                return ConversionOutcome.Duplicate(plan.OutputBucket, plan.OutputName);
            }

            if (existing is not null && !EventTriage.IsFrom(existing, plan))
            {
                // A user's own object at the output name is never replaced unless the operator said so: the event ends as
                // a recorded output_conflict. What this library wrote for another source is replaced (logged).
                if (!EventTriage.IsWrittenByDocx2Pdf(existing) && !options.OverwriteForeignOutputs)
                {
                    return await failures.FailAsync(
                        e,
                        generation,
                        FailureKind.OutputConflict,
                        $"The output name gs://{plan.OutputBucket}/{plan.OutputName} is taken by an object Docx2Pdf did not write; it was left alone. Move it away and upload the document again, or set Docx2Pdf:OverwriteForeignOutputs to true.",
                        options,
                        cancellationToken).ConfigureAwait(false);
                }

                Log.ReplacingForeignOutput(logger, plan.OutputBucket, plan.OutputName, plan.Bucket, plan.ObjectName);
            }

            return await ConvertAsync(e, plan, generation, existing?.Generation ?? 0, options, p => phase = p, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ConversionOutcome.Failed(FailureKind.Interrupted, "The work was cancelled before it finished.");
        }
        catch (Docx2PdfException ex)
        {
            return await failures.FailAsync(e, generation, ex.Kind, ex.Message, options, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex) when (ConverterWorkspace.IsNoSpace(ex))
        {
            // The download into a full work folder: the worker's problem, a typed transient failure, never the document's.
            return await failures.FailAsync(e, generation, FailureKind.StorageTransient, workspace.Full(ex).Message, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Untyped errors outside the converter (work folder, store): retryable, but nothing says they will ever go away,
            // so MaxDeliveryAttempts / MaxRetryAge bound their retries. (The converter's own are engine failures, counted
            // in ConvertAsync.)
            Log.UnexpectedError(logger, e.MessageId, plan.Bucket, plan.ObjectName, phase, FailureKind.StorageTransient.ToLabel(), ex);
            return await failures.FailAsync(
                e, generation, FailureKind.StorageTransient, $"Unexpected {ex.GetType().Name} during {phase}.", options, cancellationToken, unexpected: true).ConfigureAwait(false);
        }
    }

    private async Task<ConversionOutcome> ConvertAsync(
        StorageEvent e, WorkPlan plan, long generation, long ifGenerationMatch, Docx2PdfOptions options, Action<PipelinePhase> setPhase, CancellationToken cancellationToken)
    {
        // What the engine failed on earlier deliveries of this generation, on any host. A first delivery (Pub/Sub says so)
        // has none, and is spared the read.
        var entry = new LedgerEntry(plan.Bucket, plan.ObjectName, generation, plan.OutputBucket, OutputNaming.EngineFailuresName(options.FailurePrefix, plan.ObjectName));
        var counted = e.DeliveryAttempt == 1 ? default : await ledger.ReadAsync(entry, cancellationToken).ConfigureAwait(false);
        if (counted.Total >= options.MaxEngineFailures)
        {
            return await GiveUpOnEngineAsync(e, entry, counted, options, cancellationToken).ConfigureAwait(false);
        }

        // Admitted before the first byte is downloaded, or turned away at once: a burst costs no disk or memory.
        // Busy is back-pressure, not a failure of the document: it never counts toward the retry ceilings.
        var place = admission?.TryEnter();
        if (admission is not null && place is null)
        {
            return ConversionOutcome.Failed(FailureKind.ConverterBusy, admission.BusyDetail);
        }

        // Under this process's root ({WorkFolder}/{pid}-{random}): a SIGKILLed host's copies are swept at the next start.
        var workFolder = workspace.CreateJobFolder();
        var begun = false;
        try
        {
            // File names inside the private folder never derive from the object name.
            var inputPath = Path.Combine(workFolder, "source" + plan.Extension.ToLowerInvariant());
            var outputPath = Path.Combine(workFolder, "output.pdf");

            setPhase(PipelinePhase.Download);
            var started = time.GetTimestamp();
            using (var activity = Docx2PdfDiagnostics.ActivitySource.StartActivity("docx2pdf.download"))
            {
                activity?.SetTag("docx2pdf.generation", generation);
                try
                {
                    var file = ConverterWorkspace.CreatePrivateFile(inputPath);
                    await using (file.ConfigureAwait(false))
                    {
                        // Counted as written, whatever the metadata said: the download stops at MaxDocumentBytes.
                        var capped = new ByteLimitStream(file, options.MaxDocumentBytes);
                        await store.DownloadAsync(plan.Bucket, plan.ObjectName, generation, capped, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (StorageException ex) when (ex.Kind == FailureKind.StorageNotFound)
                {
                    // The generation went away between the metadata read and the download.
                    var live = await store.GetInfoAsync(plan.Bucket, plan.ObjectName, cancellationToken).ConfigureAwait(false);
                    return live is not null && live.Generation > generation
                        ? ConversionOutcome.Ignored(IgnoreReason.StaleGeneration, $"Generation {generation} was replaced by {live.Generation} during the download.")
                        : ConversionOutcome.Ignored(IgnoreReason.ObjectGone, $"Generation {generation} was deleted during the download.");
                }
            }

            // On a redelivery, or after engine failures, this attempt is counted before LibreOffice starts: when the worker
            // dies during it (killed by this very document, say), the next delivery still sees it.
            if (!counted.IsEmpty || e.DeliveryAttempt > 1)
            {
                setPhase(PipelinePhase.OutputCheck);
                counted = await ledger.UpdateAsync(entry, c => c with { Unfinished = c.Unfinished + 1 }, time, cancellationToken).ConfigureAwait(false);
                begun = true;
            }

            var downloaded = time.GetTimestamp();
            setPhase(PipelinePhase.Convert);
            ConversionResult result;
            using (var activity = Docx2PdfDiagnostics.ActivitySource.StartActivity("docx2pdf.convert"))
            {
                activity?.SetTag("docx2pdf.format", plan.Format.ToString());
                try
                {
                    result = await converter.ConvertAsync(inputPath, outputPath, new PdfConversionOptions { Format = plan.Format }, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (EngineFailureOf(ex, cancellationToken) is { } engineKind)
                {
                    if (ex is not Docx2PdfException)
                    {
                        Log.UnexpectedError(logger, e.MessageId, plan.Bucket, plan.ObjectName, PipelinePhase.Convert, engineKind.ToLabel(), ex);
                    }

                    place?.Dispose();
                    var detail = ex is Docx2PdfException typed ? typed.Message : $"Unexpected {ex.GetType().Name} during {PipelinePhase.Convert}.";
                    var wasBegun = begun;
                    begun = false;
                    return await EngineFailedAsync(e, entry, engineKind, detail, wasBegun, options, cancellationToken).ConfigureAwait(false);
                }
            }

            place?.Dispose();

            var converted = time.GetTimestamp();
            setPhase(PipelinePhase.Upload);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [OutputMetadata.MarkerKey] = OutputMetadata.PdfMarker,
                [OutputMetadata.SourceBucketKey] = plan.Bucket,
                [OutputMetadata.SourceObjectKey] = plan.ObjectName,
                [OutputMetadata.SourceGenerationKey] = generation.ToString(CultureInfo.InvariantCulture),
            };
            ObjectInfo written;
            using (var activity = Docx2PdfDiagnostics.ActivitySource.StartActivity("docx2pdf.upload"))
            {
                activity?.SetTag("docx2pdf.output_object", plan.OutputName);
                try
                {
                    var pdf = new FileStream(outputPath, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
                    await using (pdf.ConfigureAwait(false))
                    {
                        written = await store.UploadAsync(
                            plan.OutputBucket,
                            plan.OutputName,
                            pdf,
                            new ObjectWriteOptions { ContentType = PdfContentType, Metadata = metadata, IfGenerationMatch = ifGenerationMatch },
                            cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (StorageException ex) when (ex.Kind == FailureKind.StoragePreconditionFailed)
                {
                    // Another worker wrote the output since we looked: if it is ours or newer, this delivery is a duplicate.
                    var now = await store.GetInfoAsync(plan.OutputBucket, plan.OutputName, cancellationToken).ConfigureAwait(false);
                    return EventTriage.IsDoneFor(now, plan, generation)
                        ? ConversionOutcome.Duplicate(plan.OutputBucket, plan.OutputName)
                        : ConversionOutcome.Failed(FailureKind.StorageTransient, "The output changed while it was being written; retry.");
                }
            }

            var uploaded = time.GetTimestamp();
            begun = false;
            await CleanUpAfterConversionAsync(e, entry, options, cancellationToken).ConfigureAwait(false);
            Log.Converted(
                logger, e.MessageId, plan.Bucket, plan.ObjectName, generation, plan.OutputBucket, written.Name, result.OutputBytes,
                time.GetElapsedTime(started, uploaded).TotalMilliseconds,
                time.GetElapsedTime(started, downloaded).TotalMilliseconds,
                time.GetElapsedTime(downloaded, converted).TotalMilliseconds,
                time.GetElapsedTime(converted, uploaded).TotalMilliseconds);
            return ConversionOutcome.Converted(plan.OutputBucket, plan.OutputName);
        }
        finally
        {
            place?.Dispose();
            RemoveWorkFolder(workFolder);
            if (begun)
            {
                // The attempt ended without an engine failure (busy, interrupted, a storage fault, a typed document
                // failure): it is no longer unfinished, and it counts for nothing.
                await UncountAsync(e, entry).ConfigureAwait(false);
            }
        }
    }

    // An engine failure: the converter's typed timeout / crash / memory cap, or anything untyped it threw (not a cancellation).
    private static FailureKind? EngineFailureOf(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        Docx2PdfException typed => typed.Kind.IsEngineFailure() ? typed.Kind : null,
        OperationCanceledException when cancellationToken.IsCancellationRequested => null,
        OutOfMemoryException => null,
        _ => FailureKind.EngineCrashed,
    };

    private async Task<ConversionOutcome> EngineFailedAsync(
        StorageEvent e, LedgerEntry entry, FailureKind kind, string detail, bool wasBegun, Docx2PdfOptions options, CancellationToken cancellationToken)
    {
        EngineFailureCount now;
        try
        {
            now = await ledger.UpdateAsync(
                entry,
                c => new EngineFailureCount(c.Failures + 1, wasBegun ? Math.Max(0, c.Unfinished - 1) : c.Unfinished, kind),
                time,
                cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ConversionOutcome.Failed(FailureKind.Interrupted, "The work was cancelled before the engine failure was counted.");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not counted means not acknowledged: the next delivery tries again, and counts then.
            Log.EngineFailureNotCounted(logger, e.MessageId, entry.Bucket, entry.ObjectName, entry.OutputBucket, entry.Name, kind.ToLabel(), ex);
            return ConversionOutcome.Failed(FailureKind.StorageTransient, $"The engine failure could not be counted; retry. The failure was: {kind.ToLabel()}: {detail}");
        }

        if (now.Total < options.MaxEngineFailures)
        {
            return ConversionOutcome.Failed(kind, $"{detail} Engine failure {now.Total} of {options.MaxEngineFailures} for generation {entry.Generation} (Docx2Pdf:MaxEngineFailures).");
        }

        return await GiveUpOnEngineAsync(e, entry, now, options, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ConversionOutcome> GiveUpOnEngineAsync(StorageEvent e, LedgerEntry entry, EngineFailureCount counted, Docx2PdfOptions options, CancellationToken cancellationToken)
    {
        // Unfinished conversions with no engine failure seen: the worker died in them, which is what a crash looks like from here.
        var kind = counted.LastFailure ?? FailureKind.EngineCrashed;
        Log.EngineFailuresExhausted(logger, e.MessageId, entry.Bucket, entry.ObjectName, entry.Generation, kind.ToLabel(), counted.Failures, counted.Unfinished, options.MaxEngineFailures);
        var detail = string.Create(
            CultureInfo.InvariantCulture,
            $"LibreOffice failed on generation {entry.Generation} of this document {counted.Failures} time(s) (last: {kind.ToLabel()}) and {counted.Unfinished} conversion(s) of it never ended (the worker stopped during them); gave up at Docx2Pdf:MaxEngineFailures {options.MaxEngineFailures}.");
        // The count stays beside the record: a redelivery of this generation reads it, finds the record and is a duplicate,
        // without giving LibreOffice the document again. A later generation that converts removes both.
        return await failures.RecordAsync(e, entry.Generation, ConversionOutcome.GaveUp(kind, detail), options, cancellationToken).ConfigureAwait(false);
    }

    private async Task CleanUpAfterConversionAsync(StorageEvent e, LedgerEntry entry, Docx2PdfOptions options, CancellationToken cancellationToken)
    {
        // The PDF supersedes an older generation's failure record, and the count has done its job. Neither is worth failing
        // a conversion that is already stored: a leftover is logged and changes no later decision (both are per generation).
        try
        {
            if (await failures.RemoveSupersededAsync(e, entry.Generation, options, cancellationToken).ConfigureAwait(false) is { } removed)
            {
                Log.SupersededRecordRemoved(logger, e.MessageId, entry.Bucket, entry.ObjectName, entry.Generation, entry.OutputBucket, removed);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.CleanUpFailed(logger, e.MessageId, entry.Bucket, entry.ObjectName, entry.OutputBucket, ex);
        }

        // Always looked for (one metadata read): an older generation's count may be there even when this delivery read none.
        await RemoveCountAsync(e, entry, cancellationToken).ConfigureAwait(false);
    }

    private async Task RemoveCountAsync(StorageEvent e, LedgerEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            await ledger.RemoveAsync(entry, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.CleanUpFailed(logger, e.MessageId, entry.Bucket, entry.ObjectName, entry.OutputBucket, ex);
        }
    }

    private async Task UncountAsync(StorageEvent e, LedgerEntry entry)
    {
        // Also after a cancellation (host shutdown), bounded: an attempt left counted would count against a healthy document.
        using var bound = new CancellationTokenSource(UncountTimeout, time);
        try
        {
            // Taking off the only counted attempt removes the count (UpdateAsync writes no empty count).
            await ledger.UpdateAsync(entry, c => c with { Unfinished = Math.Max(0, c.Unfinished - 1) }, time, bound.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.CleanUpFailed(logger, e.MessageId, entry.Bucket, entry.ObjectName, entry.OutputBucket, ex);
        }
    }

    private void RemoveWorkFolder(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.WorkFolderNotRemoved(logger, path, ex);
        }
    }
}
