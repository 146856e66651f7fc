using System.Globalization;
using Docx2Pdf.Delivery;
using Microsoft.AspNetCore.Http;

namespace Docx2Pdf.AspNetCore.PubSub;

/// <summary>The HTTP answer to one <see cref="DeliveryDecision"/>: what Pub/Sub reads to acknowledge or redeliver.</summary>
/// <param name="StatusCode">The status code.</param>
/// <param name="RetryAfter">The Retry-After delay, for the statuses that ask for a retry.</param>
internal readonly record struct PushAnswer(int StatusCode, TimeSpan? RetryAfter)
{
    /// <summary>
    /// Translates the decision and decides nothing: Pub/Sub acknowledges 102/200/201/202/204 and redelivers everything else,
    /// slowing down on failures: 204 to acknowledge, 429 for a busy converter (pure back-pressure), 503 for any other retry,
    /// 400 for a rejected invalid message.
    /// </summary>
    public static PushAnswer From(DeliveryDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return decision.Action switch
        {
            DeliveryAction.Acknowledge => new(StatusCodes.Status204NoContent, null),
            DeliveryAction.Reject => new(StatusCodes.Status400BadRequest, null),
            _ when decision.IsBackPressure => new(StatusCodes.Status429TooManyRequests, decision.RetryAfter),
            _ => new(StatusCodes.Status503ServiceUnavailable, decision.RetryAfter),
        };
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
        Math.Max(1, (long)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
