using System.Collections.Concurrent;
using Docx2Pdf.Notifications;
using Docx2Pdf.Pipeline;

namespace Docx2Pdf.PubSub.Tests;

/// <summary>The real pipeline, with every event and outcome recorded.</summary>
internal sealed class RecordingPipeline(IConversionPipeline inner) : IConversionPipeline
{
    public ConcurrentQueue<(StorageEvent Event, ConversionOutcome Outcome)> Processed { get; } = new();

    public async Task<ConversionOutcome> ProcessAsync(StorageEvent storageEvent, CancellationToken cancellationToken = default)
    {
        var outcome = await inner.ProcessAsync(storageEvent, cancellationToken);
        Processed.Enqueue((storageEvent, outcome));
        return outcome;
    }
}
