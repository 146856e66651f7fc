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
            // Untyped errors: from the converter they count as an engine failure, elsewhere (work folder, store) as a
            // storage failure. Both are retryable, and MaxDeliveryAttempts / MaxRetryAge bound the retries.
            var kind = phase == PipelinePhase.Convert ? FailureKind.EngineCrashed : FailureKind.StorageTransient;
            Log.UnexpectedError(logger, e.MessageId, plan.Bucket, plan.ObjectName, phase, kind.ToLabel(), ex);
            return await failures.FailAsync(e, generation, kind, $"Unexpected {ex.GetType().Name} during {phase}.", options, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ConversionOutcome> ConvertAsync(
        StorageEvent e, WorkPlan plan, long generation, long ifGenerationMatch, Docx2PdfOptions options, Action<PipelinePhase> setPhase, CancellationToken cancellationToken)
    {
        // Admitted before the first byte is downloaded, or turned away at once: a burst costs no disk or memory.
        // Busy is back-pressure, not a failure of the document: it never counts toward the retry ceilings.
        var place = admission?.TryEnter();
        if (admission is not null && place is null)
        {
            return ConversionOutcome.Failed(FailureKind.ConverterBusy, admission.BusyDetail);
        }

        // Under this process's root ({WorkFolder}/{pid}-{random}): a SIGKILLed host's copies are swept at the next start.
        var workFolder = workspace.CreateJobFolder();
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

            var downloaded = time.GetTimestamp();
            setPhase(PipelinePhase.Convert);
            ConversionResult result;
            using (var activity = Docx2PdfDiagnostics.ActivitySource.StartActivity("docx2pdf.convert"))
            {
                activity?.SetTag("docx2pdf.format", plan.Format.ToString());
                result = await converter.ConvertAsync(inputPath, outputPath, new PdfConversionOptions { Format = plan.Format }, cancellationToken).ConfigureAwait(false);
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
