using System.Collections.Concurrent;
using System.Threading.Channels;
using Docx2Pdf.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Docx2Pdf.Conversion;

/// <summary>
/// The pool of instance slots: hands out a free slot (or queues the caller, within the queue length and timeout),
/// decides after every conversion whether the slot's instance may serve another document, and replaces instances in
/// the background so a slot becomes free again only with a running successor (warm mode).
/// </summary>
internal sealed class OfficePool : IAsyncDisposable
{
    private readonly LibreOfficeOptions _options;
    private readonly Func<int, CancellationToken, Task<OfficeInstance>> _startInstance;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConverterMetrics _metrics;
    private readonly Slot[] _slots;
    private readonly Channel<Slot> _idle = Channel.CreateUnbounded<Slot>();
    private readonly ConcurrentDictionary<Task, bool> _background = new();
    private int _waiting;
    private int _busy;
    private int _peakBusy;
    private int _disposed;

    public OfficePool(LibreOfficeOptions options, Func<int, CancellationToken, Task<OfficeInstance>> startInstance, ILogger logger, TimeProvider time, ConverterMetrics metrics)
    {
        _options = options;
        _startInstance = startInstance;
        _logger = logger;
        _time = time;
        _metrics = metrics;
        _slots = Enumerable.Range(0, options.PoolSize).Select(i => new Slot(i)).ToArray();
        foreach (var slot in _slots)
        {
            _idle.Writer.TryWrite(slot);
        }
    }

    public int Size => _slots.Length;

    /// <summary>Instances whose LibreOffice is running now (busy or idle).</summary>
    public int ReadyInstances => _slots.Count(s => s.Instance?.IsAlive == true);

    /// <summary>Slots running a conversion now.</summary>
    public int BusyInstances => Volatile.Read(ref _busy);

    /// <summary>Callers waiting for a free slot.</summary>
    public int QueueLength => Volatile.Read(ref _waiting);

    /// <summary>Most conversions that ran at the same time since start.</summary>
    public int PeakConcurrency => Volatile.Read(ref _peakBusy);

    public IReadOnlyList<OfficeInstance> Instances => _slots.Select(s => s.Instance).OfType<OfficeInstance>().ToList();

    /// <summary>Starts the instance of every idle slot now.</summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        var taken = new List<Slot>();
        while (_idle.Reader.TryRead(out var slot))
        {
            taken.Add(slot);
        }

        await Task.WhenAll(taken.Select(async slot =>
        {
            try
            {
                await EnsureInstanceAsync(slot, cancellationToken).ConfigureAwait(false);
            }
            catch (ConversionFailedException)
            {
                // Logged when it happened; the next caller of this slot tries again.
            }
            finally
            {
                _idle.Writer.TryWrite(slot);
            }
        })).ConfigureAwait(false);
    }

    /// <summary>A free slot, waiting in the queue if allowed; <see cref="ConverterBusyException"/> when the queue is full or its timeout passes.</summary>
    public async Task<Slot> AcquireAsync(CancellationToken cancellationToken)
    {
        if (!_idle.Reader.TryRead(out var slot))
        {
            slot = await WaitForSlotAsync(cancellationToken).ConfigureAwait(false);
        }

        return slot;
    }

    /// <summary>The slot's instance is about to receive a document: it counts as busy until the slot is released.</summary>
    public void MarkConverting(Slot slot)
    {
        slot.Converting = true;
        var now = Interlocked.Increment(ref _busy);
        int peak;
        while (now > (peak = Volatile.Read(ref _peakBusy)) && Interlocked.CompareExchange(ref _peakBusy, now, peak) != peak)
        {
        }
    }

    private void EndConverting(Slot slot)
    {
        if (slot.Converting)
        {
            slot.Converting = false;
            Interlocked.Decrement(ref _busy);
        }
    }

    private async Task<Slot> WaitForSlotAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _waiting) > _options.QueueLength)
        {
            Interlocked.Decrement(ref _waiting);
            Log.Busy(_logger, "queue full");
            throw new ConverterBusyException($"Every LibreOffice instance is busy and the wait queue is full ({LibreOfficeOptions.SectionName}:QueueLength = {_options.QueueLength}). Retry later.");
        }

        try
        {
            using var timeout = new CancellationTokenSource(_options.QueueTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
            return await _idle.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && Volatile.Read(ref _disposed) == 0)
        {
            Log.Busy(_logger, "queue timeout");
            throw new ConverterBusyException($"No LibreOffice instance became free within {LibreOfficeOptions.SectionName}:QueueTimeout ({_options.QueueTimeout.TotalSeconds:0.###} s). Retry later.");
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(LibreOfficeConverter));
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    /// <summary>The slot's running instance, started now when it has none (or a dead one).</summary>
    public async Task<OfficeInstance> EnsureInstanceAsync(Slot slot, CancellationToken cancellationToken)
    {
        if (slot.Instance is { IsAlive: true } running)
        {
            return running;
        }

        if (slot.Instance is { } dead)
        {
            slot.Instance = null;
            Log.InstanceCrashed(_logger, slot.Index, "found dead while idle");
            _metrics.Restarted(RecycleReason.FoundDead);
            await dead.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            var instance = await _startInstance(slot.Index, cancellationToken).ConfigureAwait(false);
            slot.Instance = instance;
            Log.InstanceStarted(_logger, slot.Index, instance.SofficePid, instance.StartDuration.TotalMilliseconds, instance.WarmUpDuration.TotalMilliseconds);
            return instance;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException)
        {
            Log.InstanceStartFailed(_logger, slot.Index, ex);
            throw new ConversionFailedException(FailureKind.EngineCrashed, "A LibreOffice instance could not be started. A retry can succeed.", ex);
        }
    }

    /// <summary>
    /// Returns the slot after a conversion that ended normally: its instance serves the next caller unless it is dead,
    /// in cold mode, holds fonts from a document, reached its conversion count or grew above the memory threshold.
    /// </summary>
    public void Release(Slot slot)
    {
        EndConverting(slot);
        var instance = slot.Instance;
        RecycleReason? reason =
            instance is null || !instance.IsAlive ? RecycleReason.FoundDead
            : _options.ColdMode ? RecycleReason.ColdMode
            : instance.Tainted || instance.HoldsDocumentFonts() ? RecycleReason.EmbeddedFonts
            : instance.Conversions >= _options.MaxConversionsPerInstance ? RecycleReason.ConversionCount
            : instance.ReadPrivateBytes() is { } bytes && bytes > _options.MaxInstanceMemoryMegabytes * 1024L * 1024L ? RecycleReason.Memory
            : null;
        if (reason is { } r)
        {
            RecycleCore(slot, r);
        }
        else
        {
            _idle.Writer.TryWrite(slot);
        }
    }

    /// <summary>Returns the slot after its instance failed (<paramref name="reason"/>): the instance is ended and replaced.</summary>
    public void Recycle(Slot slot, RecycleReason reason)
    {
        EndConverting(slot);
        RecycleCore(slot, reason);
    }

    /// <summary>Ends the slot's instance and, in warm mode, starts its successor before the slot is free again.</summary>
    private void RecycleCore(Slot slot, RecycleReason reason)
    {
        var old = slot.Instance;
        slot.Instance = null;
        if (old is not null)
        {
            Log.InstanceRecycled(_logger, slot.Index, reason.ToLabel(), old.Conversions);
            _metrics.Restarted(reason);
        }

        foreach (var done in _background.Keys.Where(t => t.IsCompleted))
        {
            _background.TryRemove(done, out _);
        }

        var task = Task.Run(async () =>
        {
            try
            {
                if (old is not null)
                {
                    await old.DisposeAsync().ConfigureAwait(false);
                }

                if (!_options.ColdMode && Volatile.Read(ref _disposed) == 0)
                {
                    try
                    {
                        await EnsureInstanceAsync(slot, CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (ConversionFailedException)
                    {
                        // Logged; the next caller of this slot tries again.
                    }
                }
            }
            finally
            {
                _idle.Writer.TryWrite(slot);
            }
        });
        _background.TryAdd(task, true);
    }

    /// <summary>Waits for replacements in flight, then stops every instance.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        while (_background.Keys.Where(t => !t.IsCompleted).ToArray() is { Length: > 0 } pending)
        {
            await Task.WhenAll(pending).ConfigureAwait(false);
        }

        _idle.Writer.TryComplete();
        await Task.WhenAll(_slots.Select(async s =>
        {
            if (Interlocked.Exchange(ref s.InstanceField, null) is { } instance)
            {
                await instance.DisposeAsync().ConfigureAwait(false);
            }
        })).ConfigureAwait(false);
    }

    /// <summary>One place in the pool; holds at most one instance.</summary>
    internal sealed class Slot(int index)
    {
        public OfficeInstance? InstanceField;

        public int Index { get; } = index;

        /// <summary>Set while a document is on the slot's instance; only the slot's current holder touches it.</summary>
        public bool Converting { get; set; }

        public OfficeInstance? Instance
        {
            get => Volatile.Read(ref InstanceField);
            set => Volatile.Write(ref InstanceField, value);
        }
    }
}
