using Docx2Pdf.AspNetCore.Hosting;
using Docx2Pdf.Conversion;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Docx2Pdf.AspNetCore.Conversion;

/// <summary>
/// The synchronous convert endpoint: POST a document (raw body or multipart/form-data), receive the PDF. The document and
/// the PDF go through temporary files, never whole into memory; both are deleted when the request ends.
/// </summary>
internal sealed class ConvertHandler(
    IDocumentConverter converter,
    ConversionAdmission admission,
    ConvertEndpointOptions options,
    ShutdownCoordinator shutdown,
    TimeProvider timeProvider,
    ILogger logger)
{
    private const long MultipartSlack = 64 * 1024;

    public async Task HandleAsync(HttpContext context)
    {
        var started = timeProvider.GetTimestamp();
        if (shutdown.IsStopping)
        {
            Log.RefusedWhileStopping(logger);
            context.Response.Headers.Connection = "close";
            await Problems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, Problems.Unavailable, "Shutting down", "This instance is shutting down; retry.", retryAfter: TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            return;
        }

        using var inFlight = shutdown.Enter();

        // Admitted before the first byte of the body is read, or turned away at once: a burst of large uploads costs
        // neither memory nor temporary disk before it is refused. The place is given back when the conversion ends.
        var place = admission.TryEnter();
        if (place is null)
        {
            Log.ConvertBusy(logger, admission.Capacity);
            context.Response.Headers.Connection = "close"; // the unread body is not drained
            await Problems.WriteAsync(
                context,
                StatusCodes.Status429TooManyRequests,
                Problems.Retry,
                "Converter busy",
                admission.BusyDetail,
                new Dictionary<string, object?> { ["failureKind"] = FailureKind.ConverterBusy.ToLabel() },
                FailureKind.ConverterBusy.SuggestedRetryDelay()).ConfigureAwait(false);
            return;
        }

        var folder = Path.Combine(Path.GetTempPath(), "docx2pdf-http-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(folder);
            await HandleCoreAsync(context, folder, place, started).ConfigureAwait(false);
        }
        catch (Exception ex) when (RequestBody.IsTooLarge(ex))
        {
            await WriteTooLargeAsync(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody reads an answer.
        }
        catch (InvalidDataException)
        {
            await Problems.WriteAsync(context, StatusCodes.Status400BadRequest, Problems.InvalidMessage, "Malformed multipart body", "The multipart/form-data body cannot be read.").ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.ConvertCrashed(logger, ex);
            await Problems.WriteAsync(context, StatusCodes.Status500InternalServerError, Problems.Internal, "Internal error", "The document could not be converted.").ConfigureAwait(false);
        }
        finally
        {
            place.Dispose();
            TryDelete(folder);
        }
    }

    private async Task HandleCoreAsync(HttpContext context, string folder, IDisposable place, long started)
    {
        var request = context.Request;
        // Slack for multipart framing: the document itself is held to the limit while it is copied.
        if (!RequestBody.ApplyLimit(context, options.MaxRequestBodySize + MultipartSlack))
        {
            await WriteTooLargeAsync(context).ConfigureAwait(false);
            return;
        }

        using var work = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, shutdown.Drain);
        var inputPath = Path.Combine(folder, "input");
        var outputPath = Path.Combine(folder, "output.pdf");

        var upload = await ReceiveAsync(request, inputPath, work.Token).ConfigureAwait(false);
        switch (upload.Status)
        {
            case ReceiveStatus.TooLarge:
                await WriteTooLargeAsync(context).ConfigureAwait(false);
                return;
            case ReceiveStatus.UnsupportedMediaType:
                await Problems.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, Problems.UnsupportedMediaType, "Unsupported media type", upload.Detail).ConfigureAwait(false);
                return;
            case ReceiveStatus.Missing:
                await Problems.WriteAsync(context, StatusCodes.Status400BadRequest, Problems.InvalidMessage, "No document", upload.Detail).ConfigureAwait(false);
                return;
        }

        try
        {
            await converter.ConvertAsync(inputPath, outputPath, new PdfConversionOptions { Format = upload.Format }, work.Token).ConfigureAwait(false);
        }
        catch (Docx2PdfException ex)
        {
            var (status, type, title, retryAfter) = FromFailure(ex.Kind);
            Log.ConvertFailed(logger, ex.Kind.ToLabel(), ex.Message, status);
            await Problems.WriteAsync(context, status, type, title, ex.Message, new Dictionary<string, object?> { ["failureKind"] = ex.Kind.ToLabel() }, retryAfter).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException) when (shutdown.Drain.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            await Problems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, Problems.Unavailable, "Shutting down", "The conversion was cancelled because this instance is shutting down; retry.", retryAfter: TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            return;
        }
        finally
        {
            // The conversion is over: the next request may start while this one's PDF is sent.
            place.Dispose();
        }

        var output = new FileInfo(outputPath);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/pdf";
        response.ContentLength = output.Length;
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(Path.ChangeExtension(upload.FileName ?? "document", ".pdf"));
        response.Headers.ContentDisposition = disposition.ToString();
        await response.SendFileAsync(outputPath, context.RequestAborted).ConfigureAwait(false);
        Log.ConvertHandled(logger, upload.Format.ToString(), upload.Bytes, StatusCodes.Status200OK, (long)timeProvider.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>The status for each typed failure of the converter.</summary>
    internal static (int Status, string Type, string Title, TimeSpan? RetryAfter) FromFailure(FailureKind kind) => kind switch
    {
        FailureKind.UnsupportedFormat => (StatusCodes.Status415UnsupportedMediaType, Problems.UnsupportedMediaType, "Unsupported format", null),
        FailureKind.DocumentTooLarge => (StatusCodes.Status413PayloadTooLarge, Problems.TooLarge, "Document too large", null),
        FailureKind.ConverterBusy => (StatusCodes.Status429TooManyRequests, Problems.Retry, "Converter busy", kind.SuggestedRetryDelay()),
        _ when kind.IsTransient() => (StatusCodes.Status503ServiceUnavailable, Problems.Retry, "Try again later", kind.SuggestedRetryDelay()),
        _ => (StatusCodes.Status422UnprocessableEntity, Problems.DocumentRejected, "Document cannot be converted", null),
    };

    private async Task<Received> ReceiveAsync(HttpRequest request, string path, CancellationToken cancellationToken)
    {
        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) && mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
            if (string.IsNullOrEmpty(boundary))
            {
                return new(ReceiveStatus.UnsupportedMediaType, default, null, 0, "multipart/form-data without a boundary.");
            }

            var reader = new MultipartReader(boundary, request.Body);
            while (await reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var partDisposition) || !partDisposition.IsFileDisposition())
                {
                    continue;
                }

                var fileName = HeaderUtilities.RemoveQuotes(partDisposition.FileNameStar.HasValue ? partDisposition.FileNameStar : partDisposition.FileName).Value;
                var partFormat = FormatOf(section.ContentType, fileName);
                if (partFormat is null)
                {
                    return new(ReceiveStatus.UnsupportedMediaType, default, fileName, 0, Unsupported(section.ContentType));
                }

                var bytes = await CopyAsync(section.Body, path, cancellationToken).ConfigureAwait(false);
                return bytes < 0
                    ? new(ReceiveStatus.TooLarge, default, fileName, 0, null)
                    : new(ReceiveStatus.Ok, partFormat.Value, SafeFileName(fileName), bytes, null);
            }

            return new(ReceiveStatus.Missing, default, null, 0, "The multipart body has no file part.");
        }

        var format = FormatOf(request.ContentType, null);
        if (format is null)
        {
            return new(ReceiveStatus.UnsupportedMediaType, default, null, 0, Unsupported(request.ContentType));
        }

        var length = await CopyAsync(request.Body, path, cancellationToken).ConfigureAwait(false);
        return length switch
        {
            < 0 => new(ReceiveStatus.TooLarge, default, null, 0, null),
            0 => new(ReceiveStatus.Missing, default, null, 0, "The request body is empty."),
            _ => new(ReceiveStatus.Ok, format.Value, null, length, null),
        };
    }

    /// <summary>Copies to a file; returns the length, or -1 past the size limit (the partial file is deleted with the folder).</summary>
    private async Task<long> CopyAsync(Stream source, string path, CancellationToken cancellationToken)
    {
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous);
        await using (file.ConfigureAwait(false))
        {
            var buffer = new byte[64 * 1024];
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total > options.MaxRequestBodySize)
                {
                    return -1;
                }

                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }

            return total;
        }
    }

    /// <summary>The input format a content type (or, for octet-stream and multipart parts, a file extension) names.</summary>
    internal static InputFormat? FormatOf(string? contentType, string? fileName)
    {
        var media = MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed.MediaType.Value : null;
        if (media is not null && !media.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            return DocumentFormats.FromMediaType(media)?.Format;
        }

        // An octet stream (or no type) is named by its file extension; an unnamed one is taken for the default format.
        var extension = Path.GetExtension(fileName ?? string.Empty);
        return extension.Length == 0 ? InputFormat.Docx : DocumentFormats.FromExtension(extension)?.Format;
    }

    private static string Unsupported(string? contentType) =>
        $"Content-Type \"{contentType}\" is no document type this endpoint converts; send application/vnd.openxmlformats-officedocument.wordprocessingml.document (or application/octet-stream), raw or as a multipart/form-data file part.";

    private static string? SafeFileName(string? name) =>
        string.IsNullOrWhiteSpace(name) ? null : Path.GetFileName(name.Replace('\\', '/'));

    private Task WriteTooLargeAsync(HttpContext context) =>
        Problems.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, Problems.TooLarge, "Document too large", $"The document exceeds {options.MaxRequestBodySize} bytes ({ConvertEndpointOptions.SectionName}:MaxRequestBodySize).");

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private enum ReceiveStatus
    {
        Ok,
        TooLarge,
        UnsupportedMediaType,
        Missing,
    }

    private readonly record struct Received(ReceiveStatus Status, InputFormat Format, string? FileName, long Bytes, string? Detail);
}
