using Microsoft.Extensions.Logging;

namespace Docx2Pdf;

/// <summary>Conversion log events, ids 100-199. Never logs document content or passwords.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "LibreOffice {Version} ({SofficeBin}) ready; profile prepared in {ElapsedMs:0} ms")]
    internal static partial void Prepared(ILogger logger, LogText version, LogText sofficeBin, double elapsedMs);

    [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "LibreOffice instance {Slot} started (soffice.bin pid {Pid}) in {ElapsedMs:0} ms; warm-up conversion {WarmUpMs:0} ms")]
    internal static partial void InstanceStarted(ILogger logger, int slot, int pid, double elapsedMs, double warmUpMs);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "LibreOffice instance {Slot} could not start")]
    internal static partial void InstanceStartFailed(ILogger logger, int slot, Exception exception);

    [LoggerMessage(EventId = 103, Level = LogLevel.Debug, Message = "LibreOffice instance {Slot} recycled ({Reason}) after {Conversions} conversions")]
    internal static partial void InstanceRecycled(ILogger logger, int slot, LogText reason, int conversions);

    [LoggerMessage(EventId = 104, Level = LogLevel.Debug, Message = "LibreOffice instance {Slot} stopped (soffice.bin pid {Pid})")]
    internal static partial void InstanceStopped(ILogger logger, int slot, int pid);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "LibreOffice instance {Slot} crashed: {Detail}")]
    internal static partial void InstanceCrashed(ILogger logger, int slot, LogText detail);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Conversion on LibreOffice instance {Slot} exceeded {TimeoutSeconds} s; instance killed")]
    internal static partial void ConversionTimedOut(ILogger logger, int slot, double timeoutSeconds);

    [LoggerMessage(EventId = 107, Level = LogLevel.Information, Message = "Document rejected before conversion ({Kind}): {Reason}")]
    internal static partial void Rejected(ILogger logger, LogText kind, LogText reason);

    [LoggerMessage(EventId = 108, Level = LogLevel.Information, Message = "LibreOffice could not convert the document ({Phase}): {Detail}")]
    internal static partial void EngineRejected(ILogger logger, LogText phase, LogText detail);

    [LoggerMessage(EventId = 109, Level = LogLevel.Warning, Message = "Converter busy: {Reason}")]
    internal static partial void Busy(ILogger logger, LogText reason);

    [LoggerMessage(EventId = 110, Level = LogLevel.Debug, Message = "Converted to a PDF of {Bytes} bytes: engine {EngineMs:0.0} ms, total {TotalMs:0.0} ms")]
    internal static partial void Converted(ILogger logger, long bytes, double engineMs, double totalMs);

    [LoggerMessage(EventId = 111, Level = LogLevel.Debug, Message = "Document has {Count} external references; LibreOffice does not follow them (untrusted referer)")]
    internal static partial void ExternalReferences(ILogger logger, int count);

    [LoggerMessage(EventId = 112, Level = LogLevel.Warning, Message = "Conversion on LibreOffice instance {Slot} went past the memory cap of {LimitBytes} bytes; instance killed")]
    internal static partial void MemoryCapExceeded(ILogger logger, int slot, long limitBytes);

    [LoggerMessage(EventId = 113, Level = LogLevel.Information, Message = "Using the LibreOffice profile prepared in {Folder}")]
    internal static partial void ProfileReused(ILogger logger, LogText folder);

    [LoggerMessage(EventId = 114, Level = LogLevel.Warning, Message = "Docx2Pdf:LibreOffice:ProfileTemplateFolder {Folder} cannot be used ({Reason}); preparing a private profile instead")]
    internal static partial void ProfileFolderUnusable(ILogger logger, LogText folder, LogText reason);

    [LoggerMessage(EventId = 118, Level = LogLevel.Warning, Message = "The work folder's file system is full ({Folder}, {FreeBytes} bytes free); the conversion failed as a transient storage failure ({Failure})")]
    internal static partial void WorkFolderFull(ILogger logger, LogText folder, long freeBytes, LogText failure);
}
