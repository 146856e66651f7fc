using System.Collections.Concurrent;

namespace Docx2Pdf.Pipeline;

/// <summary>
/// Concurrent deliveries of one event in this process share one conversion ("10 deliveries at once, one write"): the first
/// leads, the others wait for its outcome. A converted outcome is a duplicate for those who joined; a leader that was
/// cancelled hands the work to a joiner that was not.
/// </summary>
internal sealed class SingleFlight
{
    private readonly ConcurrentDictionary<Key, Task<ConversionOutcome>> _inFlight = new();

    /// <summary>Runs <paramref name="work"/> unless the same generation of the same object is already running here; then joins it.</summary>
    /// <param name="bucket">The source bucket.</param>
    /// <param name="objectName">The source object.</param>
    /// <param name="generation">The generation the event names, if any.</param>
    /// <param name="work">The conversion, run by the leader.</param>
    /// <param name="onJoin">Called when this caller joins a running conversion (for a log line).</param>
    /// <param name="cancellationToken">Cancels this caller's work or wait.</param>
    public async Task<ConversionOutcome> RunAsync(
        string bucket, string objectName, long? generation, Func<Task<ConversionOutcome>> work, Action onJoin, CancellationToken cancellationToken)
    {
        var key = new Key(bucket, objectName, generation);
        while (true)
        {
            var mine = new TaskCompletionSource<ConversionOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_inFlight.TryAdd(key, mine.Task))
            {
                try
                {
                    var outcome = await work().ConfigureAwait(false);
                    mine.SetResult(outcome);
                    return outcome;
                }
                catch (Exception ex)
                {
                    // The work reports failures as outcomes; this is a last resort so joiners are never left waiting.
                    mine.TrySetException(ex);
                    throw;
                }
                finally
                {
                    _inFlight.TryRemove(new KeyValuePair<Key, Task<ConversionOutcome>>(key, mine.Task));
                }
            }

            if (!_inFlight.TryGetValue(key, out var running))
            {
                continue; // It finished between TryAdd and TryGetValue: try to lead.
            }

            onJoin();
            var shared = await running.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (shared.FailureKind == FailureKind.Interrupted)
            {
                continue; // The leader was cancelled, this caller was not: do the work.
            }

            // The PDF exists because of another delivery: for this one it is a duplicate.
            return shared.Status == ConversionStatus.Converted
                ? ConversionOutcome.Duplicate(shared.OutputBucket!, shared.OutputObject!)
                : shared;
        }
    }

    private readonly record struct Key(string Bucket, string ObjectName, long? Generation);
}
