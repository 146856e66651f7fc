using Docx2Pdf.AspNetCore.Authentication;
using Docx2Pdf.AspNetCore.Hosting;
using Docx2Pdf.Delivery;
using Docx2Pdf.Notifications;
using Docx2Pdf.Pipeline;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Docx2Pdf.AspNetCore.PubSub;

/// <summary>
/// The push endpoint: reads one storage event from whichever shape arrived, hands it to the pipeline under the ack
/// deadline, and translates the <see cref="DeliveryPolicy"/>'s decision into the status Pub/Sub acts on. It decides no
/// policy of its own.
/// </summary>
internal sealed class PubSubPushHandler(
    IConversionPipeline pipeline,
    DeliveryPolicy policy,
    PubSubPushOptions options,
    ShutdownCoordinator shutdown,
    TimeProvider timeProvider,
    ILogger logger)
{
    private readonly PushTokenVerifier? _verifier =
        PubSubPushOptionsRulesValidator.EffectiveMode(options) == PushAuthentication.GoogleOidc ? new PushTokenVerifier(options.GoogleOidc, logger) : null;
    private readonly TimeSpan _workBudget = options.AckDeadline - PubSubPushOptionsRulesValidator.EffectiveMargin(options);

    /// <summary>Says at start who authenticates the pushes this endpoint accepts (a warning when nobody does).</summary>
    public void LogAuthentication(string pattern)
    {
        switch (options.Authentication)
        {
            case PushAuthentication.GoogleOidc:
                Log.AuthenticationGoogleOidc(logger, pattern, string.Join(", ", options.GoogleOidc.Issuers), options.GoogleOidc.Audience ?? string.Empty, string.Join(", ", options.GoogleOidc.AllowedServiceAccounts));
                break;
            case PushAuthentication.Platform:
                Log.AuthenticationPlatform(logger, pattern);
                break;
            case PushAuthentication.None:
                Log.AuthenticationNone(logger, pattern);
                break;
            default:
                Log.AuthenticationNotChosen(logger, pattern, PubSubPushOptions.SectionName + ":Authentication");
                break;
        }
    }

    public async Task HandleAsync(HttpContext context)
    {
        var started = timeProvider.GetTimestamp();
        if (shutdown.IsStopping)
        {
            Log.RefusedWhileStopping(logger);
            context.Response.Headers.Connection = "close";
            await Problems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, Problems.Unavailable, "Shutting down", "This instance is shutting down; retry on another.", retryAfter: TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            return;
        }

        using var inFlight = shutdown.Enter();
        try
        {
            await HandleCoreAsync(context, started).ConfigureAwait(false);
        }
        catch (Exception ex) when (RequestBody.IsTooLarge(ex))
        {
            Log.PushTooLarge(logger, options.MaxRequestBodySize);
            await WriteTooLargeAsync(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away (Pub/Sub gave up on this delivery): nobody reads the answer; it redelivers.
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            await AnswerAsync(context, policy.ForUnexpected(ex, "push", messageId: null), "push").ConfigureAwait(false);
        }
    }

    private async Task HandleCoreAsync(HttpContext context, long started)
    {
        var request = context.Request;
        if (_verifier is not null)
        {
            var verdict = await _verifier.VerifyAsync(request, context.RequestAborted).ConfigureAwait(false);
            if (!verdict.IsAccepted)
            {
                PushTokenVerifier.Challenge(context.Response, verdict);
                var (type, title) = verdict.StatusCode switch
                {
                    StatusCodes.Status401Unauthorized => (Problems.Unauthorized, "Unauthenticated"),
                    StatusCodes.Status403Forbidden => (Problems.Forbidden, "Forbidden"),
                    _ => (Problems.Retry, "Retry later"),
                };
                await Problems.WriteAsync(context, verdict.StatusCode, type, title, verdict.Reason).ConfigureAwait(false);
                return;
            }
        }

        if (!RequestBody.ApplyLimit(context, options.MaxRequestBodySize))
        {
            Log.PushTooLarge(logger, options.MaxRequestBodySize);
            await WriteTooLargeAsync(context).ConfigureAwait(false);
            return;
        }

        var body = await RequestBody.ReadSmallAsync(request, options.MaxRequestBodySize, context.RequestAborted).ConfigureAwait(false);
        if (body is null)
        {
            Log.PushTooLarge(logger, options.MaxRequestBodySize);
            await WriteTooLargeAsync(context).ConfigureAwait(false);
            return;
        }

        var format = PushRequestReader.Detect(request);
        var source = PushRequestReader.Label(format);
        StorageEvent storageEvent;
        try
        {
            storageEvent = PushRequestReader.Read(format, request, body.Value.Span);
        }
        catch (InvalidMessageException ex)
        {
            var invalid = policy.ForInvalidMessage(ex, source, PushRequestReader.PeekMessageId(format, request, body.Value.Span), deliveryAttempt: null);
            await AnswerAsync(context, invalid, source).ConfigureAwait(false);
            return;
        }

        // The ack deadline runs from when Pub/Sub sent the request; keep a margin so the 503 arrives before it passes.
        var remaining = _workBudget - timeProvider.GetElapsedTime(started);
        using var deadline = new CancellationTokenSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, timeProvider);
        using var work = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, shutdown.Drain, context.RequestAborted);

        DeliveryDecision decision;
        try
        {
            var outcome = await pipeline.ProcessAsync(storageEvent, work.Token).ConfigureAwait(false);
            decision = policy.ForOutcome(storageEvent, outcome, source, hostStopping: shutdown.Drain.IsCancellationRequested);
        }
        catch (OperationCanceledException) when (work.IsCancellationRequested)
        {
            // The contract says cancellation comes back as an outcome; should an implementation throw, it means the same.
            decision = policy.ForCancellation(storageEvent, source, hostStopping: shutdown.Drain.IsCancellationRequested);
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            decision = policy.ForUnexpected(ex, source, storageEvent.MessageId);
        }

        if (deadline.IsCancellationRequested && decision.Action == DeliveryAction.Retry)
        {
            Log.PushDeadlineReached(logger, storageEvent.MessageId, storageEvent.Bucket, storageEvent.ObjectName, _workBudget.TotalSeconds);
        }

        var answer = await AnswerAsync(context, decision, source).ConfigureAwait(false);
        Log.PushHandled(
            logger,
            storageEvent.MessageId,
            storageEvent.Bucket,
            storageEvent.ObjectName,
            storageEvent.Generation,
            source,
            decision.Action.ToString(),
            decision.FailureKind is { } kind ? " (" + kind.ToLabel() + ")" : string.Empty,
            answer.StatusCode,
            (long)timeProvider.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>Writes the decision as HTTP: a bare status to acknowledge, a problem body otherwise.</summary>
    private static async Task<PushAnswer> AnswerAsync(HttpContext context, DeliveryDecision decision, string source)
    {
        var answer = PushAnswer.From(decision);
        if (answer.StatusCode < 300)
        {
            answer.Apply(context.Response);
            return answer;
        }

        if (decision.Action == DeliveryAction.Reject)
        {
            // The reader's messages name the field and what was expected; they never carry document content or paths.
            await Problems.WriteAsync(
                context,
                answer.StatusCode,
                Problems.InvalidMessage,
                "Not a storage event",
                decision.Detail,
                new Dictionary<string, object?> { ["field"] = decision.InvalidField, ["format"] = source }).ConfigureAwait(false);
            return answer;
        }

        await Problems.WriteAsync(
            context,
            answer.StatusCode,
            Problems.Retry,
            decision.IsBackPressure ? "Converter busy" : "Try again later",
            decision.Detail,
            new Dictionary<string, object?> { ["failureKind"] = decision.FailureKind?.ToLabel() },
            answer.RetryAfter).ConfigureAwait(false);
        return answer;
    }

    private Task WriteTooLargeAsync(HttpContext context) =>
        Problems.WriteAsync(
            context,
            StatusCodes.Status413PayloadTooLarge,
            Problems.TooLarge,
            "Request too large",
            $"The body exceeds {options.MaxRequestBodySize} bytes ({PubSubPushOptions.SectionName}:MaxRequestBodySize); a storage event is a few kilobytes.");
}
