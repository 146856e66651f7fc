using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.AspNetCore.Hosting;

/// <summary>
/// Graceful shutdown for the endpoints: from <see cref="IHostApplicationLifetime.ApplicationStopping"/> on, new requests
/// are refused with 503; requests in flight keep running until the host's shutdown timeout less a margin, then their
/// work is cancelled so they can still answer 503 (and Pub/Sub redelivers) before the server closes the connections.
/// </summary>
internal sealed class ShutdownCoordinator : IDisposable
{
    private static readonly TimeSpan MaxMargin = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _drain;
    private readonly CancellationTokenRegistration _registration;
    private readonly TimeSpan _shutdownTimeout;
    private readonly ILogger _logger;
    private int _inFlight;

    public ShutdownCoordinator(IHostApplicationLifetime lifetime, IOptions<HostOptions> hostOptions, TimeProvider timeProvider, ILogger<ShutdownCoordinator> logger)
    {
        ArgumentNullException.ThrowIfNull(lifetime);
        ArgumentNullException.ThrowIfNull(hostOptions);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _logger = logger;
        _shutdownTimeout = hostOptions.Value.ShutdownTimeout;
        _drain = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
        Stopping = lifetime.ApplicationStopping;
        _registration = Stopping.Register(static state => ((ShutdownCoordinator)state!).OnStopping(), this);
    }

    /// <summary>Fires when the host begins to stop: new requests are refused from then on.</summary>
    public CancellationToken Stopping { get; }

    /// <summary>Fires when in-flight work must give up so its 503 still reaches the caller.</summary>
    public CancellationToken Drain => _drain.Token;

    public bool IsStopping => Stopping.IsCancellationRequested;

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Counts a request in flight until the returned scope is disposed.</summary>
    public Scope Enter()
    {
        Interlocked.Increment(ref _inFlight);
        return new Scope(this);
    }

    public void Dispose()
    {
        _registration.Dispose();
        _drain.Dispose();
    }

    private void OnStopping()
    {
        // Leave a margin before the host's own deadline for the 503 to be written: at most 5 s, at most half the timeout.
        var margin = _shutdownTimeout / 2 < MaxMargin ? _shutdownTimeout / 2 : MaxMargin;
        var grace = _shutdownTimeout - margin;
        Log.Draining(_logger, InFlight, grace.TotalSeconds);
        try
        {
            _drain.CancelAfter(grace);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    internal readonly struct Scope(ShutdownCoordinator owner) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref owner._inFlight);
    }
}
