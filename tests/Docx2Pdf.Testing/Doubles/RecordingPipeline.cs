using System.Collections.Concurrent;
using Docx2Pdf.Notifications;
using Docx2Pdf.Pipeline;

namespace Docx2Pdf.Testing.Doubles;

/// <summary>The real pipeline, with every event and its outcome recorded; never changes what the pipeline decides.</summary>
public sealed class RecordingPipeline(IConversionPipeline inner) : IConversionPipeline
{
    /// <summary>Every event processed, with its outcome, in the order they finished.</summary>
    public ConcurrentQueue<(StorageEvent Event, ConversionOutcome Outcome)> Processed { get; } = new();

    /// <inheritdoc />
    public async Task<ConversionOutcome> ProcessAsync(StorageEvent storageEvent, CancellationToken cancellationToken = default)
    {
        var outcome = await inner.ProcessAsync(storageEvent, cancellationToken).ConfigureAwait(false);
        Processed.Enqueue((storageEvent, outcome));
        return outcome;
    }
}
