using Docx2Pdf.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Docx2Pdf;

// Readiness: 1040 (the id it had when the check lived in the ASP.NET Core package, so log filters keep working).
internal static partial class Log
{
    [LoggerMessage(1040, LogLevel.Warning, "Readiness probe: storage did not answer: {Reason}")]
    public static partial void StorageProbeFailed(ILogger logger, LogText reason);
}
