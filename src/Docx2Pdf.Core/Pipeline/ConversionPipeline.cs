using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Docx2Pdf.Conversion;
using Docx2Pdf.Diagnostics;
using Docx2Pdf.Notifications;
using Docx2Pdf.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.Pipeline;

/// <summary>
/// Event -> decide -> do -> outcome. Decisions that need no I/O come first (event type, loop guard, extension, size, name);
/// then the live object and the existing PDF decide stale / duplicate / replace; then download the exact generation,
/// convert, and upload with a generation precondition so racing workers write one PDF and neither fails.
/// </summary>
internal sealed class ConversionPipeline : IConversionPipeline
{
    private const string PdfContentType = "application/pdf";
    private const string JsonContentType = "application/json";

    private readonly IObjectStore _store;
    private readonly IDocumentConverter _converter;
    private readonly IOptionsMonitor<Docx2PdfOptions> _options;
    private readonly TimeProvider _time;
    private readonly PipelineMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ConversionAdmission? _admission;

    // Concurrent deliveries of one event in this process share one conversion ("10 deliveries at once -> one write").
    private readonly ConcurrentDictionary<WorkKey, Task<ConversionOutcome>> _inFlight = new();

    public ConversionPipeline(
        IObjectStore store,
        IDocumentConverter converter,
        IOptionsMonitor<Docx2PdfOptions> options,
        TimeProvider timeProvider,
        PipelineMetrics metrics,
        ILogger<ConversionPipeline> logger,
        ConversionAdmission? admission = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(converter);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(logger);
        _store = store;
        _converter = converter;
        _options = options;
        _time = timeProvider;
        _metrics = metrics;
        _logger = logger;
        _admission = admission;
    }

    /// <inheritdoc />
    public async Task<ConversionOutcome> ProcessAsync(StorageEvent storageEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storageEvent);
        var started = _time.GetTimestamp();
        using var activity = Docx2PdfDiagnostics.ActivitySource.StartActivity("docx2pdf.process", ActivityKind.Consumer);
        if (activity is not null)
        {
            activity.SetTag("messaging.message.id", storageEvent.MessageId);
            activity.SetTag("docx2pdf.bucket", storageEvent.Bucket);
            activity.SetTag("docx2pdf.object", storageEvent.ObjectName);
            activity.SetTag("docx2pdf.generation", storageEvent.Generation);
            activity.SetTag("docx2pdf.event_type", storageEvent.RawEventType ?? storageEvent.EventType.ToString());
        }

        var options = _options.CurrentValue;
        ConversionOutcome outcome;
        try
        {
            outcome = Decide(storageEvent, options, out var plan) ?? await ProcessSharedAsync(storageEvent, plan!, options, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Reachable while waiting for another delivery's conversion: this caller gave up waiting.
            outcome = ConversionOutcome.Failed(FailureKind.Interrupted, "The work was cancelled before it finished.");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Last resort (for example an OutputNameSelector that throws): adapters must always get an outcome.
            Log.UnexpectedError(_logger, storageEvent.MessageId, storageEvent.Bucket, storageEvent.ObjectName, "decision", FailureKind.StorageTransient.ToLabel(), ex);
            outcome = ConversionOutcome.Failed(FailureKind.StorageTransient, $"Unexpected {ex.GetType().Name}; retry.");
        }

        var elapsed = _time.GetElapsedTime(started);
        _metrics.Record(outcome, elapsed);
        if (activity is not null)
        {
            activity.SetTag("docx2pdf.outcome", PipelineMetrics.ToLabel(outcome.Status));
            if (outcome.FailureKind is { } kind)
            {
                activity.SetTag("error.type", kind.ToLabel());
                activity.SetStatus(ActivityStatusCode.Error, outcome.Detail);
            }
        }

        LogOutcome(storageEvent, outcome);
        return outcome;
    }

    /// <summary>The decisions that need no I/O. Returns the outcome when the event asks for no work, else the plan.</summary>
    private static ConversionOutcome? Decide(StorageEvent e, Docx2PdfOptions options, out WorkPlan? plan)
    {
        plan = null;
        if (e.EventType != StorageEventType.Finalize)
        {
            return ConversionOutcome.Ignored(IgnoreReason.NotFinalize, $"Event type {e.RawEventType ?? e.EventType.ToString()} starts no conversion.");
        }

        var outputBucket = options.OutputBucket!;
        if (IsOwnOutput(e.ObjectMetadata))
        {
            return ConversionOutcome.Ignored(IgnoreReason.OwnOutput, "The object was written by Docx2Pdf.");
        }

        if (string.Equals(e.Bucket, outputBucket, StringComparison.Ordinal))
        {
            if (e.ObjectName.StartsWith(options.FailurePrefix, StringComparison.Ordinal) ||
                (options.OutputPrefix.Length > 0 && e.ObjectName.StartsWith(options.OutputPrefix, StringComparison.Ordinal)))
            {
                return ConversionOutcome.Ignored(IgnoreReason.OwnOutput, "The object is under the output or failure-record prefix of the output bucket.");
            }
        }

        var extension = OutputNaming.FindExtension(e.ObjectName, options.Extensions);
        if (extension is null)
        {
            return ConversionOutcome.Ignored(IgnoreReason.ExtensionNotEnabled, $"The object name does not end with an enabled extension ({string.Join(", ", options.Extensions)}).");
        }

        if (e.Size is 0)
        {
            return ConversionOutcome.Ignored(IgnoreReason.EmptyObject, "The object is empty.");
        }

        if (e.Size > options.MaxDocumentBytes)
        {
            return ConversionOutcome.Ignored(IgnoreReason.TooLarge, $"The object is {e.Size} bytes, over Docx2Pdf:MaxDocumentBytes ({options.MaxDocumentBytes}).");
        }

        if (OutputNaming.CheckObjectName(e.ObjectName) is { } badSource)
        {
            return ConversionOutcome.Ignored(IgnoreReason.UnsafeName, $"The object name cannot be used: {badSource}.");
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
            return ConversionOutcome.Ignored(IgnoreReason.UnsafeName, $"No valid output name: {badOutput}.");
        }

        if (string.Equals(e.Bucket, outputBucket, StringComparison.Ordinal) && string.Equals(e.ObjectName, outputName, StringComparison.Ordinal))
        {
            return ConversionOutcome.Ignored(IgnoreReason.UnsafeName, "The output name equals the source name.");
        }

        plan = new WorkPlan(e.Bucket, e.ObjectName, FormatOf(extension), extension, outputBucket, outputName);
        return null;
    }

    private async Task<ConversionOutcome> ProcessSharedAsync(StorageEvent e, WorkPlan plan, Docx2PdfOptions options, CancellationToken cancellationToken)
    {
        var key = new WorkKey(plan.Bucket, plan.ObjectName, e.Generation);
        while (true)
        {
            var mine = new TaskCompletionSource<ConversionOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_inFlight.TryAdd(key, mine.Task))
            {
                try
                {
                    var outcome = await ExecuteAsync(e, plan, options, cancellationToken).ConfigureAwait(false);
                    mine.SetResult(outcome);
                    return outcome;
                }
                catch (Exception ex)
                {
                    // ExecuteAsync reports failures as outcomes; this is a last resort so joiners are never left waiting.
                    mine.TrySetException(ex);
                    throw;
                }
                finally
                {
                    _inFlight.TryRemove(new KeyValuePair<WorkKey, Task<ConversionOutcome>>(key, mine.Task));
                }
            }

            if (!_inFlight.TryGetValue(key, out var running))
            {
                continue; // It finished between TryAdd and TryGetValue: try to lead.
            }

            Log.JoinedInFlight(_logger, e.MessageId, plan.Bucket, plan.ObjectName, e.Generation);
            var shared = await running.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (shared.FailureKind == FailureKind.Interrupted)
            {
                continue; // The leader was cancelled, this caller was not: do the work.
            }

            // The PDF exists because of another delivery: for this one it is a duplicate.
            return shared.Status == ConversionStatus.Converted
                ? ConversionOutcome.Duplicate(shared.OutputBucket!, shared.OutputObject!)
                : shared;
        }
    }

    private async Task<ConversionOutcome> ExecuteAsync(StorageEvent e, WorkPlan plan, Docx2PdfOptions options, CancellationToken cancellationToken)
    {
        var phase = "metadata";
        long generation = e.Generation ?? 0;
        try
        {
            var source = await _store.GetInfoAsync(plan.Bucket, plan.ObjectName, cancellationToken).ConfigureAwait(false);
            if (source is null)
            {
                return ConversionOutcome.Ignored(IgnoreReason.ObjectGone, "The object no longer exists.");
            }

            generation = e.Generation ?? source.Generation;
            if (source.Generation > generation)
            {
                return ConversionOutcome.Ignored(IgnoreReason.StaleGeneration, $"The event names generation {generation}; generation {source.Generation} is live.");
            }

            if (source.Generation < generation)
            {
                return ConversionOutcome.Ignored(IgnoreReason.ObjectGone, $"Generation {generation} no longer exists.");
            }

            // Events with payloadFormat NONE carry no size or metadata: check them on the live object.
            if (IsOwnOutput(source.Metadata))
            {
                return ConversionOutcome.Ignored(IgnoreReason.OwnOutput, "The object was written by Docx2Pdf.");
            }

            if (source.Size == 0)
            {
                return ConversionOutcome.Ignored(IgnoreReason.EmptyObject, "The object is empty.");
            }

            if (source.Size > options.MaxDocumentBytes)
            {
                return ConversionOutcome.Ignored(IgnoreReason.TooLarge, $"The object is {source.Size} bytes, over Docx2Pdf:MaxDocumentBytes ({options.MaxDocumentBytes}).");
            }

            phase = "output check";
            var existing = await _store.GetInfoAsync(plan.OutputBucket, plan.OutputName, cancellationToken).ConfigureAwait(false);
            if (IsDoneFor(existing, plan, generation))
            {
                return ConversionOutcome.Duplicate(plan.OutputBucket, plan.OutputName);
            }

            if (existing is not null && !IsFrom(existing, plan))
            {
                Log.ReplacingForeignOutput(_logger, plan.OutputBucket, plan.OutputName, plan.Bucket, plan.ObjectName);
            }

            return await ConvertAsync(e, plan, generation, existing?.Generation ?? 0, options, p => phase = p, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ConversionOutcome.Failed(FailureKind.Interrupted, "The work was cancelled before it finished.");
        }
        catch (Docx2PdfException ex)
        {
            return await FailAsync(e, plan, generation, ex.Kind, ex.Message, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Untyped errors: from the converter they count as an engine failure, elsewhere (work folder, store) as a
            // storage failure. Both are retryable, and MaxDeliveryAttempts / MaxRetryAge bound the retries.
            var kind = phase == "convert" ? FailureKind.EngineCrashed : FailureKind.StorageTransient;
            Log.UnexpectedError(_logger, e.MessageId, plan.Bucket, plan.ObjectName, phase, kind.ToLabel(), ex);
            return await FailAsync(e, plan, generation, kind, $"Unexpected {ex.GetType().Name} during {phase}.", options, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ConversionOutcome> ConvertAsync(
        StorageEvent e, WorkPlan plan, long generation, long ifGenerationMatch, Docx2PdfOptions options, Action<string> setPhase, CancellationToken cancellationToken)
    {
        // Admitted before the first byte is downloaded, or turned away at once: a burst costs no disk or memory.
        // Busy is back-pressure, not a failure of the document: it never counts toward the retry ceilings.
        var admission = _admission is null ? null : _admission.TryEnter();
        if (_admission is not null && admission is null)
        {
            return ConversionOutcome.Failed(FailureKind.ConverterBusy, _admission.BusyDetail);
        }

        var workFolder = CreateWorkFolder(options.WorkFolder);
        try
        {
            // File names inside the private folder never derive from the object name.
            var inputPath = Path.Combine(workFolder, "source" + plan.Extension.ToLowerInvariant());
            var outputPath = Path.Combine(workFolder, "output.pdf");

            setPhase("download");
            var started = _time.GetTimestamp();
            using (var activity = Docx2PdfDiagnostics.ActivitySource.StartActivity("docx2pdf.download"))
            {
                activity?.SetTag("docx2pdf.generation", generation);
                try
                {
                    var file = new FileStream(inputPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
                    await using (file.ConfigureAwait(false))
                    {
                        await _store.DownloadAsync(plan.Bucket, plan.ObjectName, generation, file, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (StorageException ex) when (ex.Kind == FailureKind.StorageNotFound)
                {
                    // The generation went away between the metadata read and the download.
                    var live = await _store.GetInfoAsync(plan.Bucket, plan.ObjectName, cancellationToken).ConfigureAwait(false);
                    return live is not null && live.Generation > generation
                        ? ConversionOutcome.Ignored(IgnoreReason.StaleGeneration, $"Generation {generation} was replaced by {live.Generation} during the download.")
                        : ConversionOutcome.Ignored(IgnoreReason.ObjectGone, $"Generation {generation} was deleted during the download.");
                }
            }

            var downloaded = _time.GetTimestamp();
            setPhase("convert");
            ConversionResult result;
            using (var activity = Docx2PdfDiagnostics.ActivitySource.StartActivity("docx2pdf.convert"))
            {
                activity?.SetTag("docx2pdf.format", plan.Format.ToString());
                result = await _converter.ConvertAsync(inputPath, outputPath, new PdfConversionOptions { Format = plan.Format }, cancellationToken).ConfigureAwait(false);
            }

            admission?.Dispose();

            var converted = _time.GetTimestamp();
            setPhase("upload");
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
                        written = await _store.UploadAsync(
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
                    var now = await _store.GetInfoAsync(plan.OutputBucket, plan.OutputName, cancellationToken).ConfigureAwait(false);
                    return IsDoneFor(now, plan, generation)
                        ? ConversionOutcome.Duplicate(plan.OutputBucket, plan.OutputName)
                        : ConversionOutcome.Failed(FailureKind.StorageTransient, "The output changed while it was being written; retry.");
                }
            }

            var uploaded = _time.GetTimestamp();
            Log.Converted(
                _logger, e.MessageId, plan.Bucket, plan.ObjectName, generation, plan.OutputBucket, written.Name, result.OutputBytes,
                _time.GetElapsedTime(started, uploaded).TotalMilliseconds,
                _time.GetElapsedTime(started, downloaded).TotalMilliseconds,
                _time.GetElapsedTime(downloaded, converted).TotalMilliseconds,
                _time.GetElapsedTime(converted, uploaded).TotalMilliseconds);
            return ConversionOutcome.Converted(plan.OutputBucket, plan.OutputName);
        }
        finally
        {
            admission?.Dispose();
            RemoveWorkFolder(workFolder);
        }
    }

    /// <summary>Turns a failure into an outcome: retryable ones ask for a retry until attempts or age run out; others are recorded.</summary>
    private async Task<ConversionOutcome> FailAsync(
        StorageEvent e, WorkPlan plan, long generation, FailureKind kind, string detail, Docx2PdfOptions options, CancellationToken cancellationToken)
    {
        if (kind == FailureKind.StorageNotFound)
        {
            // Not found outside the reads that already handle it: the output bucket does not exist; a retry cannot help.
            kind = FailureKind.StoragePermanent;
        }
        else if (kind == FailureKind.StoragePreconditionFailed)
        {
            return ConversionOutcome.Failed(FailureKind.StorageTransient, detail);
        }

        ConversionOutcome outcome;
        if (kind.IsTransient())
        {
            // A cancelled caller is going away: nothing more can be done for it now, whatever the attempt count.
            if (kind == FailureKind.Interrupted || !IsOutOfRetries(e, options))
            {
                return ConversionOutcome.Failed(kind, detail);
            }

            Log.GivingUp(_logger, e.MessageId, plan.Bucket, plan.ObjectName, kind.ToLabel(), e.DeliveryAttempt, e.PublishTime ?? e.EventTime);
            detail = $"{detail} Gave up after delivery attempt {e.DeliveryAttempt?.ToString(CultureInfo.InvariantCulture) ?? "?"} (Docx2Pdf:MaxDeliveryAttempts {options.MaxDeliveryAttempts}, Docx2Pdf:MaxRetryAge {options.MaxRetryAge}).";
            outcome = new ConversionOutcome { Status = ConversionStatus.FailedPermanently, FailureKind = kind, Detail = detail };
        }
        else
        {
            outcome = ConversionOutcome.Failed(kind, detail);
        }

        var recordName = OutputNaming.FailureRecordName(options.FailurePrefix, plan.ObjectName);
        var record = new FailureRecord
        {
            SourceBucket = plan.Bucket,
            SourceObject = plan.ObjectName,
            SourceGeneration = generation,
            FailureKind = kind.ToLabel(),
            Message = detail,
            Time = _time.GetUtcNow(),
            MessageId = e.MessageId,
            DeliveryAttempt = e.DeliveryAttempt,
        };
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [OutputMetadata.MarkerKey] = OutputMetadata.FailureRecordMarker,
            [OutputMetadata.SourceBucketKey] = plan.Bucket,
            [OutputMetadata.SourceObjectKey] = plan.ObjectName,
            [OutputMetadata.SourceGenerationKey] = generation.ToString(CultureInfo.InvariantCulture),
        };
        try
        {
            using var content = new MemoryStream(record.ToUtf8Json(), writable: false);
            await _store.UploadAsync(
                plan.OutputBucket,
                recordName,
                content,
                new ObjectWriteOptions { ContentType = JsonContentType, Metadata = metadata },
                cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ConversionOutcome.Failed(FailureKind.Interrupted, "The work was cancelled before the failure record was written.");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Untyped errors of the store count as transient: retried, so the explanation is not lost.
            var recordKind = ex is StorageException se ? se.Kind : FailureKind.StorageTransient;
            Log.FailureRecordNotWritten(_logger, e.MessageId, plan.Bucket, plan.ObjectName, plan.OutputBucket, recordName, recordKind.ToLabel(), ex);
            if (recordKind.IsTransient() || recordKind == FailureKind.StoragePreconditionFailed)
            {
                // Never acknowledge a permanent failure whose explanation was lost while a retry can still write it.
                return ConversionOutcome.Failed(FailureKind.StorageTransient, $"The failure record could not be written; retry. The failure was: {outcome.FailureKind!.Value.ToLabel()}: {detail}");
            }

            return outcome with { Detail = $"{detail} (The failure record could not be written: {recordKind.ToLabel()}.)" };
        }

        Log.FailedPermanently(_logger, e.MessageId, plan.Bucket, plan.ObjectName, generation, kind.ToLabel(), plan.OutputBucket, recordName, detail);
        return outcome;
    }

    private bool IsOutOfRetries(StorageEvent e, Docx2PdfOptions options)
    {
        if (e.DeliveryAttempt >= options.MaxDeliveryAttempts)
        {
            return true;
        }

        var published = e.PublishTime ?? e.EventTime;
        return published is { } t && _time.GetUtcNow() - t > options.MaxRetryAge;
    }

    private static bool IsOwnOutput(IReadOnlyDictionary<string, string>? metadata) =>
        metadata is not null && metadata.ContainsKey(OutputMetadata.MarkerKey);

    /// <summary>The existing output was made from the same source object.</summary>
    private static bool IsFrom(ObjectInfo output, WorkPlan plan) =>
        output.Metadata.TryGetValue(OutputMetadata.SourceBucketKey, out var bucket) && bucket == plan.Bucket &&
        output.Metadata.TryGetValue(OutputMetadata.SourceObjectKey, out var name) && name == plan.ObjectName;

    /// <summary>The existing output was made from this generation of the source, or a newer one.</summary>
    private static bool IsDoneFor(ObjectInfo? output, WorkPlan plan, long generation) =>
        output is not null && IsFrom(output, plan) &&
        output.Metadata.TryGetValue(OutputMetadata.SourceGenerationKey, out var text) &&
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var made) &&
        made >= generation;

    internal static InputFormat FormatOf(string extension) => extension.ToLowerInvariant() switch
    {
        ".doc" => InputFormat.Doc,
        ".odt" => InputFormat.Odt,
        ".rtf" => InputFormat.Rtf,
        _ => InputFormat.Docx,
    };

    private static string CreateWorkFolder(string root)
    {
        Directory.CreateDirectory(root);
        var path = Path.Combine(root, Guid.NewGuid().ToString("N"));
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            // Private to this process's user: documents may be confidential.
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
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
            Log.WorkFolderNotRemoved(_logger, path, ex);
        }
    }

    private void LogOutcome(StorageEvent e, ConversionOutcome outcome)
    {
        switch (outcome.Status)
        {
            case ConversionStatus.Ignored:
                Log.EventIgnored(_logger, e.MessageId, e.Bucket, e.ObjectName, e.Generation, PipelineMetrics.ToLabel(outcome.IgnoreReason!.Value), outcome.Detail);
                break;
            case ConversionStatus.Duplicate:
                Log.Duplicate(_logger, e.MessageId, e.Bucket, e.ObjectName, e.Generation, outcome.OutputBucket!, outcome.OutputObject!);
                break;
            case ConversionStatus.FailedTransiently:
                Log.FailedTransiently(_logger, e.MessageId, e.Bucket, e.ObjectName, e.Generation, outcome.FailureKind!.Value.ToLabel(), outcome.RetryAfter, outcome.Detail);
                break;
            default:
                break; // Converted and FailedPermanently are logged where the durations and the record name are known.
        }
    }

    private readonly record struct WorkKey(string Bucket, string ObjectName, long? Generation);

    private sealed record WorkPlan(string Bucket, string ObjectName, InputFormat Format, string Extension, string OutputBucket, string OutputName);
}
