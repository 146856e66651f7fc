using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Docx2Pdf.AspNetCore;

/// <summary>Request-body limits shared by the endpoints.</summary>
internal static class RequestBody
{
    /// <summary>Applies <paramref name="limit"/> to the server's own check where it can; returns <see langword="false"/> when Content-Length already exceeds it.</summary>
    public static bool ApplyLimit(HttpContext context, long limit)
    {
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = limit;
        }

        return context.Request.ContentLength is not { } length || length <= limit;
    }

    /// <summary>True when <paramref name="exception"/> is the server's "body too large" error.</summary>
    public static bool IsTooLarge(Exception exception) =>
        exception is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge };

    /// <summary>Reads a small body (a push message) into memory, or returns <see langword="null"/> past <paramref name="limit"/> bytes.</summary>
    public static async Task<ReadOnlyMemory<byte>?> ReadSmallAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        var capacity = request.ContentLength is { } length && length <= limit ? (int)length : 4096;
        using var buffer = new MemoryStream(capacity);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }
}
