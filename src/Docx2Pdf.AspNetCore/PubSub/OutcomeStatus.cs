using Docx2Pdf.Pipeline;
using Microsoft.AspNetCore.Http;

namespace Docx2Pdf.AspNetCore.PubSub;

/// <summary>The HTTP answer to one outcome: what Pub/Sub reads to acknowledge or redeliver.</summary>
/// <param name="StatusCode">The status code.</param>
/// <param name="RetryAfter">The Retry-After delay, for the statuses that ask for a retry.</param>
internal readonly record struct OutcomeStatus(int StatusCode, TimeSpan? RetryAfter)
{
    private static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The one mapping from the pipeline's outcome to HTTP. It translates and decides nothing: the pipeline already said
    /// whether to acknowledge (<see cref="ConversionOutcome.ShouldAcknowledge"/>); the adapter only picks the status that
    /// makes Pub/Sub act on it. Pub/Sub acknowledges 102/200/201/202/204 and redelivers everything else, slowing down on
    /// failures: 429 for a busy converter (pure back-pressure), 503 for any other transient failure.
    /// </summary>
    public static OutcomeStatus From(ConversionOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.ShouldAcknowledge)
        {
            // Converted, ignored, duplicate, failed permanently (the pipeline wrote the failure record).
            return new(StatusCodes.Status204NoContent, null);
        }

        var retryAfter = outcome.RetryAfter ?? DefaultRetryAfter;
        return outcome.FailureKind == FailureKind.ConverterBusy
            ? new(StatusCodes.Status429TooManyRequests, retryAfter)
            : new(StatusCodes.Status503ServiceUnavailable, retryAfter);
    }

    /// <summary>Writes the status and, when set, the Retry-After header in whole seconds (at least 1).</summary>
    public void Apply(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.StatusCode = StatusCode;
        if (RetryAfter is { } delay)
        {
            response.Headers.RetryAfter = RetryAfterSeconds(delay);
        }
    }

    internal static string RetryAfterSeconds(TimeSpan delay) =>
        Math.Max(1, (long)Math.Ceiling(delay.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
