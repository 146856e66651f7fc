using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using Docx2Pdf.Delivery;
using Docx2Pdf.Notifications;
using Docx2Pdf.Pipeline;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.PubSub.Pull;

/// <summary>
/// Pulls storage notifications and hands each to the conversion pipeline. It decides no delivery policy: the
/// <see cref="DeliveryPolicy"/> says acknowledge, retry after a delay, or reject, and this class translates that into
/// acknowledge or modifyAckDeadline. What it owns is the delivery mechanics: flow control (never more
/// than MaxOutstandingMessages held), leases (ack deadlines extended while a message is held), ack/nack, graceful stop,
/// and pulls that fail without ever stopping the host.
/// </summary>
internal sealed class PubSubPullSubscriber : BackgroundService
{
    private static readonly TimeSpan MinIdlePoll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MinPullBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StopCallTimeout = TimeSpan.FromSeconds(5);
    private const int MaxAckIdsPerCall = 500;

    private readonly PubSubClient _client;
    private readonly IConversionPipeline _pipeline;
    private readonly DeliveryPolicy _policy;
    private readonly PullHealth _health;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PubSubPullOptions _options;
    private readonly string _subscription;
    private readonly Uri _endpoint;
    private readonly int _maxConcurrent;
    private readonly int _maxOutstanding;

    // One slot per held message; pulls ask for as many messages as there are free slots.
    private readonly SemaphoreSlim _slots;
    private readonly Channel<HeldMessage> _waiting = Channel.CreateUnbounded<HeldMessage>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly ConcurrentDictionary<string, HeldMessage> _held = new(StringComparer.Ordinal);

    // No lock is ever held across a Pub/Sub call: a call that hangs must not stall acks, nacks or pulls (it did: the
    // lease lock was held across modifyAckDeadline calls that could take longer than the ack deadline). An extension that
    // raced a hand-back is repaired after the fact instead (see ExtendLeasesAsync).
    private readonly TimeSpan _callTimeout;

    // Cancelled when the host's shutdown timeout passes: conversions still running are given up and handed back.
    private readonly CancellationTokenSource _abort = new();
    private volatile bool _stopping;

    public PubSubPullSubscriber(
        PubSubClient client,
        IConversionPipeline pipeline,
        DeliveryPolicy policy,
        IOptions<PubSubPullOptions> options,
        ConcurrencyDefaults concurrency,
        PullHealth health,
        TimeProvider timeProvider,
        ILogger<PubSubPullSubscriber> logger)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(concurrency);
        ArgumentNullException.ThrowIfNull(health);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _client = client;
        _pipeline = pipeline;
        _policy = policy;
        _health = health;
        _time = timeProvider;
        _logger = logger;
        _options = options.Value;
        _subscription = _options.Subscription!;
        _endpoint = PubSubEndpoint.Resolve(_options);
        _maxConcurrent = _options.MaxConcurrentConversions ?? concurrency.ConverterPoolSize;
        _maxOutstanding = Math.Max(_maxConcurrent, _options.MaxOutstandingMessages ?? _maxConcurrent + 2);
        _slots = new SemaphoreSlim(_maxOutstanding, _maxOutstanding);
        _callTimeout = CallTimeout(_options);
    }

    /// <summary>
    /// The most one Pub/Sub call may take, retries included: half the ack deadline, so a lease extension that hangs is
    /// given up in time for the next one to keep the lease, and an ack is never held back past the deadline.
    /// </summary>
    internal static TimeSpan CallTimeout(PubSubPullOptions options) => options.AckDeadline / 2;

    /// <summary>Messages held right now (for tests and diagnostics).</summary>
    internal int HeldCount => _held.Count;

    /// <summary>The most messages ever held at once.</summary>
    internal int MaxHeldObserved { get; private set; }

    internal int MaxOutstanding => _maxOutstanding;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // The base class cancels stoppingToken (no more pulls, waiting messages handed back) and waits for
        // ExecuteAsync; conversions in progress may finish until the host's shutdown timeout, then they are cancelled.
        using var registration = cancellationToken.Register(static s => ((PubSubPullSubscriber)s!).AbortInFlight(), this);
        await base.StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        base.Dispose();
        _abort.Dispose();
        _slots.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        Log.SubscriberStarted(_logger, _subscription, _endpoint, _maxOutstanding, _maxConcurrent, (int)_options.AckDeadline.TotalSeconds);

        using var leaseStop = new CancellationTokenSource();
        var leases = ExtendLeasesAsync(leaseStop.Token);
        var workers = Enumerable.Range(0, _maxConcurrent).Select(_ => Task.Run(() => WorkAsync(stoppingToken), CancellationToken.None)).ToArray();
        try
        {
            await PullLoopAsync(stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            _stopping = true;
            _waiting.Writer.TryComplete();
            var notStarted = new List<HeldMessage>();
            while (_waiting.Reader.TryRead(out var m))
            {
                notStarted.Add(m);
            }

            if (notStarted.Count > 0)
            {
                Log.NackedOnStop(_logger, notStarted.Count);
                await SettleAsync(notStarted, ackDeadlineSeconds: 0).ConfigureAwait(false);
            }

            await Task.WhenAll(workers).ConfigureAwait(false);
            await leaseStop.CancelAsync().ConfigureAwait(false);
            await leases.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            Log.SubscriberStopped(_logger, _subscription);
        }
    }

    private async Task PullLoopAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        var idle = MinIdlePoll;
        while (!stoppingToken.IsCancellationRequested)
        {
            var free = 0;
            try
            {
                await _slots.WaitAsync(stoppingToken).ConfigureAwait(false);
                free = 1;
                while (free < _maxOutstanding && _slots.Wait(0))
                {
                    free++;
                }

                IReadOnlyList<ReceivedMessage> received;
                using (var call = CallBudget(stoppingToken))
                {
                    received = await _client.PullAsync(_subscription, free, call.Token).ConfigureAwait(false);
                }

                if (failures > 0)
                {
                    Log.PullRecovered(_logger, _subscription, failures);
                    failures = 0;
                }

                _health.Succeeded();
                var taken = Math.Min(received.Count, free);
                var unused = free - taken;
                free = 0;
                if (unused > 0)
                {
                    _slots.Release(unused);
                }

                if (taken == 0)
                {
                    await Task.Delay(idle, _time, stoppingToken).ConfigureAwait(false);
                    idle = Min(idle * 2, _options.MaxIdlePollInterval);
                    continue;
                }

                idle = MinIdlePoll;
                await HoldAsync(received.Take(taken).ToList()).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                if (free > 0)
                {
                    _slots.Release(free);
                }

                break;
            }
#pragma warning disable CA1031 // Whatever a pull throws, the host must stay up: log, back off, try again.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                if (free > 0)
                {
                    _slots.Release(free);
                }

                failures++;
                var delay = Backoff(failures);
                ReportPullFailure(ex, failures, delay);
                try
                {
                    await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private async Task HoldAsync(List<ReceivedMessage> received)
    {
        var now = _time.GetUtcNow();
        var held = received.Select(r => new HeldMessage(r, ReceivedMessageDecoder.PeekMessageId(r), now)).ToList();
        foreach (var m in held)
        {
            _held[m.AckId] = m;
        }

        MaxHeldObserved = Math.Max(MaxHeldObserved, _held.Count);
        Log.Received(_logger, held.Count, _subscription);

        // First lease at once: the subscription's own deadline may be as short as 10 s. No worker has these yet, so
        // nothing can hand them back meanwhile.
        await ExtendAsync(held, CancellationToken.None).ConfigureAwait(false);

        foreach (var m in held)
        {
            _waiting.Writer.TryWrite(m);
        }
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        while (await _waiting.Reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            while (_waiting.Reader.TryRead(out var message))
            {
                // Stopping: what has not started goes back to Pub/Sub at once, for another worker.
                if (_stopping || stoppingToken.IsCancellationRequested)
                {
                    await SettleAsync([message], ackDeadlineSeconds: 0).ConfigureAwait(false);
                    continue;
                }

                await ProcessAsync(message).ConfigureAwait(false);
            }
        }
    }

    private async Task ProcessAsync(HeldMessage message)
    {
        message.Started = true;
        StorageEvent storageEvent;
        DeliveryDecision decision;
        try
        {
            storageEvent = ReceivedMessageDecoder.Decode(message.Received);
        }
        catch (InvalidMessageException ex)
        {
            decision = _policy.ForInvalidMessage(ex, _subscription, message.MessageId, message.Received.DeliveryAttempt);
            await SettleAsync([message], decision).ConfigureAwait(false);
            return;
        }

        try
        {
            var outcome = await _pipeline.ProcessAsync(storageEvent, _abort.Token).ConfigureAwait(false);
            decision = _policy.ForOutcome(storageEvent, outcome, _subscription, hostStopping: _abort.IsCancellationRequested);
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            decision = _policy.ForCancellation(storageEvent, _subscription, hostStopping: true);
        }
#pragma warning disable CA1031 // The pipeline reports failures through its outcome; an exception is a bug, not a reason to lose the message.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            decision = _policy.ForUnexpected(ex, _subscription, message.MessageId);
        }

        await SettleAsync([message], decision).ConfigureAwait(false);
        Log.Settled(_logger, message.MessageId, decision.Action == DeliveryAction.Acknowledge ? "acknowledge" : "modifyAckDeadline", _subscription);
    }

    /// <summary>
    /// Translates a decision: acknowledge; retry = the new ack deadline is the delay, so Pub/Sub redelivers after it, not at
    /// once; reject = hand back at once (a dead-letter policy then counts the attempt).
    /// </summary>
    private Task SettleAsync(IReadOnlyList<HeldMessage> messages, DeliveryDecision decision) => decision.Action switch
    {
        DeliveryAction.Acknowledge => SettleAsync(messages, ackDeadlineSeconds: null),
        DeliveryAction.Retry => SettleAsync(messages, ToDeadlineSeconds(decision.RetryAfter)),
        _ => SettleAsync(messages, ackDeadlineSeconds: 0),
    };

    /// <summary>Acknowledges (<paramref name="ackDeadlineSeconds"/> null) or hands back, stops the lease and frees the slot.</summary>
    private async Task SettleAsync(IReadOnlyList<HeldMessage> messages, int? ackDeadlineSeconds)
    {
        using var call = CallBudget(CancellationToken.None, _stopping ? StopCallTimeout : null);
        var token = call.Token;
        var ackIds = messages.Select(m => m.AckId).ToList();
        try
        {
            // Marked before the call goes out: an extension in flight now sees it when it returns and repairs a revival.
            foreach (var m in messages)
            {
                m.Settle(ackDeadlineSeconds);
                _held.TryRemove(m.AckId, out _);
            }

            if (ackDeadlineSeconds is int seconds)
            {
                await _client.ModifyAckDeadlineAsync(_subscription, ackIds, seconds, token).ConfigureAwait(false);
            }
            else
            {
                await _client.AcknowledgeAsync(_subscription, ackIds, token).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // A lost ack or nack only means a redelivery, which the pipeline recognises as a duplicate.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.AckCallFailed(_logger, ackDeadlineSeconds is null ? "acknowledge" : "modifyAckDeadline", ackIds.Count, _subscription, ex);
        }
        finally
        {
            _slots.Release(messages.Count);
        }
    }

    private async Task ExtendLeasesAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.AckDeadline / 2, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var now = _time.GetUtcNow();
                var due = new List<HeldMessage>();
                foreach (var m in _held.Values)
                {
                    if (m.IsSettled)
                    {
                        continue;
                    }

                    if (now - m.ReceivedAt <= _options.MaxLeaseDuration)
                    {
                        due.Add(m);
                    }
                    else if (!m.LeaseDropped)
                    {
                        m.LeaseDropped = true;
                        Log.LeaseExpired(_logger, m.MessageId, (now - m.ReceivedAt).TotalSeconds);
                    }
                }

                await ExtendAsync(due, cancellationToken).ConfigureAwait(false);

                // A message handed back while its extension was in flight may have been revived by it (the extension
                // reached Pub/Sub after the hand-back): hand it back again. An acknowledged one stays acknowledged.
                foreach (var revived in due.Where(m => m.HandBackSeconds is not null).GroupBy(m => m.HandBackSeconds!.Value))
                {
                    await RepairAsync(revived.ToList(), revived.Key, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ExtendAsync(IReadOnlyList<HeldMessage> messages, CancellationToken cancellationToken)
    {
        var seconds = ToDeadlineSeconds(_options.AckDeadline);
        foreach (var chunk in messages.Chunk(MaxAckIdsPerCall))
        {
            try
            {
                using var call = CallBudget(cancellationToken);
                await _client.ModifyAckDeadlineAsync(_subscription, chunk.Select(m => m.AckId).ToList(), seconds, call.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
#pragma warning disable CA1031 // A failed extension is retried at the next tick; at worst the message is delivered again.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.LeaseExtensionFailed(_logger, chunk.Length, _subscription, ex);
            }
        }
    }

    private async Task RepairAsync(IReadOnlyList<HeldMessage> messages, int seconds, CancellationToken cancellationToken)
    {
        try
        {
            using var call = CallBudget(cancellationToken);
            await _client.ModifyAckDeadlineAsync(_subscription, messages.Select(m => m.AckId).ToList(), seconds, call.Token).ConfigureAwait(false);
            Log.HandBackRepeated(_logger, messages.Count, seconds);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // At worst the message comes back after one more ack deadline.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.AckCallFailed(_logger, "modifyAckDeadline", messages.Count, _subscription, ex);
        }
    }

    /// <summary>The deadline of one Pub/Sub call: <see cref="CallTimeout"/>, or <paramref name="shorter"/> when it is less.</summary>
    private CallScope CallBudget(CancellationToken cancellationToken, TimeSpan? shorter = null) =>
        new(shorter is { } s && s < _callTimeout ? s : _callTimeout, _time, cancellationToken);

    private void AbortInFlight()
    {
        var running = _held.Values.Count(m => m.Started);
        if (running > 0)
        {
            Log.AbortingOnStop(_logger, running);
        }

        _abort.Cancel();
    }

    private void ReportPullFailure(Exception ex, int failures, TimeSpan delay)
    {
        if (ex is PubSubApiException { IsConfigurationError: true } api)
        {
            var advice = api.StatusCode switch
            {
                HttpStatusCode.NotFound => $"The subscription {_subscription} does not exist: check Docx2Pdf:PubSub:Pull:Subscription (project and subscription id) and that the subscription was created in that project.",
                HttpStatusCode.Forbidden => $"The identity this process runs as may not pull from {_subscription}: grant it roles/pubsub.subscriber (permission pubsub.subscriptions.consume) on the subscription, and check that the Pub/Sub API is enabled in the project.",
                _ => "The access token was rejected: check Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud auth application-default login, or the metadata server's service account).",
            };
            Log.PullRefused(_logger, _subscription, (int)api.StatusCode, api.Status, advice, delay.TotalMilliseconds);
            _health.Refused(failures, $"HTTP {(int)api.StatusCode} {api.Status} from Pub/Sub. {advice}");
        }
        else
        {
            Log.PullFailed(_logger, _subscription, failures, delay.TotalMilliseconds, ex);
            _health.Failed(failures, ex.Message);
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var exponential = MinPullBackoff * Math.Pow(2, Math.Min(failures - 1, 20));
        var capped = Min(exponential, _options.MaxPullBackoff);

        // Jitter (0.8-1.0) keeps a fleet of workers from retrying in step after an outage.
        return capped * (0.8 + (0.2 * Random.Shared.NextDouble()));
    }

    private static int ToDeadlineSeconds(TimeSpan delay) => (int)Math.Clamp(Math.Ceiling(delay.TotalSeconds), 0, 600);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private sealed class CallScope : IDisposable
    {
        private readonly CancellationTokenSource _timeout;
        private readonly CancellationTokenSource _linked;

        public CallScope(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
        {
            _timeout = new CancellationTokenSource(timeout, time);
            _linked = CancellationTokenSource.CreateLinkedTokenSource(_timeout.Token, cancellationToken);
        }

        public CancellationToken Token => _linked.Token;

        public void Dispose()
        {
            _linked.Dispose();
            _timeout.Dispose();
        }
    }

    private sealed class HeldMessage(ReceivedMessage received, string? messageId, DateTimeOffset receivedAt)
    {
        public ReceivedMessage Received { get; } = received;

        public string AckId => Received.AckId;

        public string? MessageId { get; } = messageId;

        public DateTimeOffset ReceivedAt { get; } = receivedAt;

        private const int Held = 0;
        private const int Acknowledged = 1;
        private const int HandedBack = 2;

        private int _settlement;

        public volatile bool Started;

        public bool LeaseDropped { get; set; }

        public bool IsSettled => Volatile.Read(ref _settlement) != Held;

        /// <summary>The ack deadline it was handed back with, once it was; <see langword="null"/> while held or once acknowledged.</summary>
        public int? HandBackSeconds { get; private set; }

        /// <summary>Records the settlement: acknowledged (<paramref name="handBackSeconds"/> null) or handed back.</summary>
        public void Settle(int? handBackSeconds)
        {
            HandBackSeconds = handBackSeconds;
            Volatile.Write(ref _settlement, handBackSeconds is null ? Acknowledged : HandedBack);
        }
    }
}
