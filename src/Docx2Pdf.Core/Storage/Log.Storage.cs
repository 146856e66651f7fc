using Microsoft.Extensions.Logging;

namespace Docx2Pdf;

// Storage event ids: 200-299.
internal static partial class Log
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "Wrote gs://{Bucket}/{ObjectName} generation {Generation} ({Size} bytes)")]
    public static partial void ObjectWritten(ILogger logger, LogText bucket, LogText objectName, long generation, long size);

    [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "Deleted gs://{Bucket}/{ObjectName} generation {Generation}")]
    public static partial void ObjectDeleted(ILogger logger, LogText bucket, LogText objectName, long generation);

    [LoggerMessage(EventId = 202, Level = LogLevel.Debug, Message = "Precondition ifGenerationMatch={Expected} failed on gs://{Bucket}/{ObjectName}: live generation is {Live}")]
    public static partial void PreconditionFailed(ILogger logger, LogText bucket, LogText objectName, long expected, long live);

    [LoggerMessage(EventId = 203, Level = LogLevel.Warning, Message = "Removed {Count} leftover temporary file(s) from an interrupted write in bucket folder {Bucket}")]
    public static partial void LeftoverTempFilesRemoved(ILogger logger, LogText bucket, int count);

    [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "Cloud Storage {Operation} on gs://{Bucket}/{ObjectName} failed transiently (attempt {Attempt}); retrying in {Delay}")]
    public static partial void StorageRetrying(ILogger logger, Exception exception, LogText operation, LogText bucket, LogText objectName, int attempt, TimeSpan delay);

    [LoggerMessage(EventId = 211, Level = LogLevel.Information, Message = "Cloud Storage client uses endpoint {BaseUri} without credentials (STORAGE_EMULATOR_HOST or options)")]
    public static partial void StorageUnauthenticatedEndpoint(ILogger logger, LogText baseUri);
}
