using Microsoft.Extensions.Logging;

namespace Docx2Pdf;

// Pipeline events: 400-499. Object names are logged (they are metadata); document content never is.
internal static partial class Log
{
    [LoggerMessage(400, LogLevel.Information, "Ignored event {MessageId} for gs://{Bucket}/{ObjectName} generation {Generation}: {IgnoreReason} ({Detail}).")]
    public static partial void EventIgnored(ILogger logger, LogText messageId, LogText bucket, LogText objectName, long? generation, LogText ignoreReason, LogText detail);

    [LoggerMessage(401, LogLevel.Information, "Converted event {MessageId}: gs://{Bucket}/{ObjectName} generation {Generation} -> gs://{OutputBucket}/{OutputObject} ({OutputBytes} bytes) in {TotalMs:0} ms (download {DownloadMs:0} ms, convert {ConvertMs:0} ms, upload {UploadMs:0} ms).")]
    public static partial void Converted(ILogger logger, LogText messageId, LogText bucket, LogText objectName, long generation, LogText outputBucket, LogText outputObject, long outputBytes, double totalMs, double downloadMs, double convertMs, double uploadMs);

    [LoggerMessage(402, LogLevel.Information, "Duplicate event {MessageId} for gs://{Bucket}/{ObjectName} generation {Generation}: gs://{OutputBucket}/{OutputObject} already exists for this or a newer generation.")]
    public static partial void Duplicate(ILogger logger, LogText messageId, LogText bucket, LogText objectName, long? generation, LogText outputBucket, LogText outputObject);

    [LoggerMessage(403, LogLevel.Warning, "Event {MessageId} for gs://{Bucket}/{ObjectName} generation {Generation} failed transiently ({FailureKind}); retry after {RetryAfter}: {Detail}")]
    public static partial void FailedTransiently(ILogger logger, LogText messageId, LogText bucket, LogText objectName, long? generation, LogText failureKind, TimeSpan? retryAfter, LogText detail);

    [LoggerMessage(404, LogLevel.Warning, "Event {MessageId} for gs://{Bucket}/{ObjectName} generation {Generation} failed permanently ({FailureKind}); failure record gs://{OutputBucket}/{RecordObject}: {Detail}")]
    public static partial void FailedPermanently(ILogger logger, LogText messageId, LogText bucket, LogText objectName, long? generation, LogText failureKind, LogText outputBucket, LogText recordObject, LogText detail);

    [LoggerMessage(405, LogLevel.Error, "Event {MessageId} for gs://{Bucket}/{ObjectName}: the failure record gs://{OutputBucket}/{RecordObject} could not be written ({RecordFailureKind}).")]
    public static partial void FailureRecordNotWritten(ILogger logger, LogText messageId, LogText bucket, LogText objectName, LogText outputBucket, LogText recordObject, LogText recordFailureKind, Exception exception);

    [LoggerMessage(406, LogLevel.Debug, "Event {MessageId} for gs://{Bucket}/{ObjectName} generation {Generation} joined the conversion already running in this process.")]
    public static partial void JoinedInFlight(ILogger logger, LogText messageId, LogText bucket, LogText objectName, long? generation);

    [LoggerMessage(407, LogLevel.Warning, "Replacing gs://{OutputBucket}/{OutputObject}: it was not written by Docx2Pdf from gs://{Bucket}/{ObjectName}.")]
    public static partial void ReplacingForeignOutput(ILogger logger, LogText outputBucket, LogText outputObject, LogText bucket, LogText objectName);

    [LoggerMessage(408, LogLevel.Warning, "Event {MessageId} for gs://{Bucket}/{ObjectName}: giving up on a retryable failure ({FailureKind}) after delivery attempt {DeliveryAttempt}, published at {PublishTime}.")]
    public static partial void GivingUp(ILogger logger, LogText messageId, LogText bucket, LogText objectName, LogText failureKind, int? deliveryAttempt, DateTimeOffset? publishTime);

    [LoggerMessage(409, LogLevel.Error, "Event {MessageId} for gs://{Bucket}/{ObjectName}: unexpected error during {Phase}; treated as {FailureKind}.")]
    public static partial void UnexpectedError(ILogger logger, LogText messageId, LogText bucket, LogText objectName, Pipeline.PipelinePhase phase, LogText failureKind, Exception exception);

    [LoggerMessage(410, LogLevel.Warning, "The work folder {WorkFolder} could not be removed.")]
    public static partial void WorkFolderNotRemoved(ILogger logger, LogText workFolder, Exception exception);

    [LoggerMessage(414, LogLevel.Warning, "Docx2Pdf:InputBuckets is empty: events naming any bucket are converted, so whoever can deliver an event can have any object this identity can read converted into the output bucket. Name the buckets you watch.")]
    public static partial void AnyInputBucket(ILogger logger);

    [LoggerMessage(415, LogLevel.Error, "Event {MessageId} for gs://{Bucket}/{ObjectName}: its engine failure ({FailureKind}) could not be counted in gs://{OutputBucket}/{CountObject}; the delivery is retried.")]
    public static partial void EngineFailureNotCounted(ILogger logger, LogText messageId, LogText bucket, LogText objectName, LogText outputBucket, LogText countObject, LogText failureKind, Exception exception);

    [LoggerMessage(416, LogLevel.Warning, "Event {MessageId} for gs://{Bucket}/{ObjectName} generation {Generation}: giving up after {EngineFailures} engine failure(s) (last {FailureKind}) and {Unfinished} unfinished conversion(s) (Docx2Pdf:MaxEngineFailures {MaxEngineFailures}).")]
    public static partial void EngineFailuresExhausted(ILogger logger, LogText messageId, LogText bucket, LogText objectName, long generation, LogText failureKind, int engineFailures, int unfinished, int maxEngineFailures);

    [LoggerMessage(417, LogLevel.Information, "Event {MessageId} for gs://{Bucket}/{ObjectName} generation {Generation} converted: removed the failure record gs://{OutputBucket}/{RecordObject} it supersedes.")]
    public static partial void SupersededRecordRemoved(ILogger logger, LogText messageId, LogText bucket, LogText objectName, long generation, LogText outputBucket, LogText recordObject);

    [LoggerMessage(418, LogLevel.Warning, "Event {MessageId} for gs://{Bucket}/{ObjectName}: a superseded failure record or engine-failure count in bucket {OutputBucket} could not be updated or removed; it changes no later decision.")]
    public static partial void CleanUpFailed(ILogger logger, LogText messageId, LogText bucket, LogText objectName, LogText outputBucket, Exception exception);

    [LoggerMessage(411, LogLevel.Information, "The document converter is warm after {ElapsedMs:0} ms.")]
    public static partial void ConverterWarm(ILogger logger, double elapsedMs);

    [LoggerMessage(412, LogLevel.Error, "Warming up the document converter failed; the first conversion will start it.")]
    public static partial void ConverterWarmUpFailed(ILogger logger, Exception exception);

    [LoggerMessage(413, LogLevel.Information, "Docx2Pdf uses the {StorageProvider} object store, chosen by {ChosenBy}; PDFs go to bucket {OutputBucket}.")]
    public static partial void StorageSelected(ILogger logger, StorageProvider storageProvider, LogText chosenBy, LogText outputBucket);
}
