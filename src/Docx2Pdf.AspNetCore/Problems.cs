using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Docx2Pdf.AspNetCore;

/// <summary>
/// Problem-details answers (RFC 9457) whose every field this library sets itself: never an exception message of a
/// third party, a stack trace or a server path.
/// </summary>
internal static class Problems
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public const string InvalidMessage = "urn:docx2pdf:problem:invalid-message";
    public const string TooLarge = "urn:docx2pdf:problem:request-too-large";
    public const string Unauthorized = "urn:docx2pdf:problem:unauthenticated";
    public const string Forbidden = "urn:docx2pdf:problem:forbidden";
    public const string Retry = "urn:docx2pdf:problem:retry-later";
    public const string Unavailable = "urn:docx2pdf:problem:shutting-down";
    public const string Internal = "urn:docx2pdf:problem:internal-error";
    public const string UnsupportedMediaType = "urn:docx2pdf:problem:unsupported-media-type";
    public const string DocumentRejected = "urn:docx2pdf:problem:document-rejected";

    public static Task WriteAsync(
        HttpContext context,
        int status,
        string type,
        string title,
        string? detail,
        IReadOnlyDictionary<string, object?>? extensions = null,
        TimeSpan? retryAfter = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        if (response.HasStarted)
        {
            return Task.CompletedTask;
        }

        response.StatusCode = status;
        if (retryAfter is { } delay)
        {
            response.Headers.RetryAfter = PubSub.PushAnswer.RetryAfterSeconds(delay);
        }

        var problem = new ProblemDetails { Type = type, Title = title, Status = status, Detail = detail };
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions)
            {
                problem.Extensions[key] = value;
            }
        }

        return response.WriteAsJsonAsync(problem, Json, "application/problem+json", context.RequestAborted);
    }
}
