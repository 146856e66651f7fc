using System.Diagnostics;
using Docx2Pdf.Conversion;
using Docx2Pdf.Diagnostics;
using Docx2Pdf.Notifications;
using Docx2Pdf.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.Pipeline;

/// <summary>
/// Event -> decide -> do -> outcome, with its trace, metric and log line. The jobs live beside it: <see cref="EventTriage"/>
/// (pure decisions), <see cref="SingleFlight"/> (one conversion per event in this process), <see cref="ConversionExecution"/>
/// (download, convert, upload), <see cref="FailurePolicy"/> and <see cref="FailureRecordWriter"/> (retry or record).
/// </summary>
internal sealed class ConversionPipeline : IConversionPipeline, IDisposable
{
    internal const string WorkFolderSetting = "Docx2Pdf:WorkFolder";

    private readonly IOptionsMonitor<Docx2PdfOptions> _options;
    private readonly TimeProvider _time;
    private readonly PipelineMetrics _metrics;
    private readonly ILogger _logger;
    private readonly SingleFlight _inFlight = new();
    private readonly ConversionExecution _execution;
    private readonly FailureRecordWriter _failures;
    private readonly ConverterWorkspace _workspace;

    public ConversionPipeline(
        IObjectStore store,
        IDocumentConverter converter,
        IOptionsMonitor<Docx2PdfOptions> options,
        TimeProvider timeProvider,
        PipelineMetrics metrics,
        ILogger<ConversionPipeline> logger,
        ConversionAdmission? admission = null,
        IHostEnvironment? environment = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(converter);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _time = timeProvider;
        _metrics = metrics;
        _logger = logger;
        _failures = new FailureRecordWriter(store, timeProvider, logger);
        // Resolved when the push endpoint is mapped or the pull subscriber is built: at start.
        if (options.CurrentValue.InputBuckets.Count == 0 && environment?.IsDevelopment() != true)
        {
            Log.AnyInputBucket(logger);
        }

        // The same private-folder rules as the converter's: checked, 0700, and folders of dead processes swept at start.
        // WorkFolder is read here, once: a later change needs a restart.
        _workspace = new ConverterWorkspace(options.CurrentValue.WorkFolder, WorkFolderSetting);
        _workspace.CreateRoot();
        _execution = new ConversionExecution(store, converter, _failures, timeProvider, logger, _workspace, admission);
    }

    /// <summary>This pipeline's own folder under <see cref="Docx2PdfOptions.WorkFolder"/>.</summary>
    internal string WorkRoot => _workspace.Root;

    /// <summary>Removes this pipeline's folder (the container disposes the pipeline after the host has drained its work).</summary>
    public void Dispose() => _workspace.DeleteRoot();

    /// <inheritdoc />
    public async Task<ConversionOutcome> ProcessAsync(StorageEvent storageEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storageEvent);
        using var logScope = Logging.EventLogScope.Begin(_logger, storageEvent);
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
            var triaged = EventTriage.Triage(storageEvent, options, out var plan);
            outcome = triaged is { FailureKind: { } triageKind }
                ? await _failures.FailAsync(storageEvent, storageEvent.Generation ?? 0, triageKind, triaged.Detail ?? string.Empty, options, cancellationToken).ConfigureAwait(false)
                : triaged ?? await _inFlight.RunAsync(
                    plan!.Bucket,
                    plan.ObjectName,
                    storageEvent.Generation,
                    () => _execution.ExecuteAsync(storageEvent, plan, options, cancellationToken),
                    () => Log.JoinedInFlight(_logger, storageEvent.MessageId, plan.Bucket, plan.ObjectName, storageEvent.Generation),
                    cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Reachable while waiting for another delivery's conversion: this caller gave up waiting.
            outcome = ConversionOutcome.Failed(FailureKind.Interrupted, "The work was cancelled before it finished.");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Last resort (for example an OutputNameSelector that throws): adapters must always get an outcome, and it goes
            // through the same retry ceiling as every other failure, so it is not retried forever.
            Log.UnexpectedError(_logger, storageEvent.MessageId, storageEvent.Bucket, storageEvent.ObjectName, PipelinePhase.Triage, FailureKind.StorageTransient.ToLabel(), ex);
            outcome = await _failures.FailAsync(
                storageEvent, storageEvent.Generation ?? 0, FailureKind.StorageTransient, $"Unexpected {ex.GetType().Name}; retry.", options, cancellationToken, unexpected: true).ConfigureAwait(false);
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
}
