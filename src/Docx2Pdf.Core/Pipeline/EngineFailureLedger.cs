using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Docx2Pdf.Storage;

namespace Docx2Pdf.Pipeline;

/// <summary>
/// Counts, per source generation, the conversions of one document that ended in an engine failure (timeout, crash, memory
/// cap) and the ones that never ended (the worker died during them), in one small object beside the failure records. The
/// count lives in the output bucket, not in memory, so it survives the host being killed (by the document itself, too) and
/// is shared by every host; each change is written under a generation precondition, so hosts racing on one document count
/// every attempt once. The object's metadata is the count; its JSON body repeats it for people.
/// </summary>
internal sealed class EngineFailureLedger(IObjectStore store)
{
    private const string FailuresKey = "docx2pdf-engine-failures";
    private const string UnfinishedKey = "docx2pdf-unfinished-conversions";
    private const string LastFailureKey = "docx2pdf-last-engine-failure";
    private const string JsonContentType = "application/json";

    // Every lost race means another worker changed the count in between: re-read and apply the change again.
    private const int MaxRaces = 8;

    /// <summary>The count of <paramref name="source"/>, or an empty count when there is none for this generation.</summary>
    public async Task<EngineFailureCount> ReadAsync(LedgerEntry source, CancellationToken cancellationToken)
    {
        var info = await store.GetInfoAsync(source.OutputBucket, source.Name, cancellationToken).ConfigureAwait(false);
        return CountOf(info, source);
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the current count of <paramref name="source"/> (empty when the object counts another
    /// generation) and writes the result under a precondition; an empty result removes the object instead, so "no object" and
    /// "nothing counted" stay one state. Returns the new count.
    /// </summary>
    public async Task<EngineFailureCount> UpdateAsync(LedgerEntry source, Func<EngineFailureCount, EngineFailureCount> change, TimeProvider time, CancellationToken cancellationToken)
    {
        for (var race = 0; ; race++)
        {
            var info = await store.GetInfoAsync(source.OutputBucket, source.Name, cancellationToken).ConfigureAwait(false);
            var next = change(CountOf(info, source));
            if (next.IsEmpty)
            {
                if (info is null)
                {
                    return next;
                }

                try
                {
                    await store.DeleteAsync(source.OutputBucket, source.Name, info.Generation, cancellationToken).ConfigureAwait(false);
                    return next;
                }
                catch (StorageException ex) when (ex.Kind is FailureKind.StorageNotFound or FailureKind.StoragePreconditionFailed && race < MaxRaces)
                {
                    continue;
                }
            }

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [OutputMetadata.MarkerKey] = OutputMetadata.EngineFailuresMarker,
                [OutputMetadata.SourceBucketKey] = source.Bucket,
                [OutputMetadata.SourceObjectKey] = source.SourceObjectMetadata,
                [OutputMetadata.SourceGenerationKey] = source.Generation.ToString(CultureInfo.InvariantCulture),
                [FailuresKey] = next.Failures.ToString(CultureInfo.InvariantCulture),
                [UnfinishedKey] = next.Unfinished.ToString(CultureInfo.InvariantCulture),
            };
            if (next.LastFailure is { } last)
            {
                metadata[LastFailureKey] = last.ToLabel();
            }

            var body = new EngineFailuresDocument
            {
                SourceBucket = source.Bucket,
                SourceObject = source.ObjectName,
                SourceGeneration = source.Generation,
                EngineFailures = next.Failures,
                UnfinishedConversions = next.Unfinished,
                LastEngineFailure = next.LastFailure?.ToLabel(),
                Updated = time.GetUtcNow(),
            };
            using var content = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(body, EngineFailuresJsonContext.Default.EngineFailuresDocument), writable: false);
            try
            {
                await store.UploadAsync(
                    source.OutputBucket,
                    source.Name,
                    content,
                    new ObjectWriteOptions { ContentType = JsonContentType, Metadata = metadata, IfGenerationMatch = info?.Generation ?? 0 },
                    cancellationToken).ConfigureAwait(false);
                return next;
            }
            catch (StorageException ex) when (ex.Kind == FailureKind.StoragePreconditionFailed && race < MaxRaces)
            {
            }
        }
    }

    /// <summary>
    /// Removes the count of <paramref name="source"/> when it counts this generation or an older one (a newer generation's count
    /// belongs to work still to come). Returns whether an object was removed.
    /// </summary>
    public async Task<bool> RemoveAsync(LedgerEntry source, CancellationToken cancellationToken)
    {
        var info = await store.GetInfoAsync(source.OutputBucket, source.Name, cancellationToken).ConfigureAwait(false);
        if (Generation(info, source) is not { } generation || generation > source.Generation)
        {
            return false;
        }

        try
        {
            await store.DeleteAsync(source.OutputBucket, source.Name, info!.Generation, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (StorageException ex) when (ex.Kind is FailureKind.StorageNotFound or FailureKind.StoragePreconditionFailed)
        {
            // Removed or rewritten by another worker in between: whatever is there now is theirs.
            return false;
        }
    }

    private static EngineFailureCount CountOf(ObjectInfo? info, LedgerEntry source)
    {
        if (Generation(info, source) != source.Generation)
        {
            return default;
        }

        return new EngineFailureCount(
            ReadCount(info!, FailuresKey),
            ReadCount(info!, UnfinishedKey),
            info!.Metadata.TryGetValue(LastFailureKey, out var label) ? FromLabel(label) : null);
    }

    private static long? Generation(ObjectInfo? info, LedgerEntry source) =>
        FailurePolicy.RecordedGeneration(info, OutputMetadata.EngineFailuresMarker, source.Bucket, source.SourceObjectMetadata);

    private static int ReadCount(ObjectInfo info, string key) =>
        info.Metadata.TryGetValue(key, out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static FailureKind? FromLabel(string label) => label switch
    {
        "conversion_timeout" => FailureKind.ConversionTimeout,
        "engine_crashed" => FailureKind.EngineCrashed,
        "too_complex" => FailureKind.TooComplex,
        _ => null,
    };
}

/// <summary>Which document's count, and where it lives.</summary>
/// <param name="Bucket">The source bucket.</param>
/// <param name="ObjectName">The source object name.</param>
/// <param name="Generation">The source generation counted.</param>
/// <param name="OutputBucket">The bucket that holds the count (the output bucket).</param>
/// <param name="Name">The count's object name (<see cref="OutputNaming.EngineFailuresName"/>).</param>
internal sealed record LedgerEntry(string Bucket, string ObjectName, long Generation, string OutputBucket, string Name)
{
    /// <summary>The source name as object metadata can hold it (a name with CR or LF goes percent-encoded).</summary>
    public string SourceObjectMetadata => OutputNaming.SourceNameForMetadata(ObjectName);
}

/// <summary>One generation's engine failures and unfinished conversions.</summary>
/// <param name="Failures">Conversions that ended in an engine failure.</param>
/// <param name="Unfinished">Conversions begun on a redelivery and never ended (the worker died during them).</param>
/// <param name="LastFailure">The kind of the last engine failure, if any.</param>
internal readonly record struct EngineFailureCount(int Failures, int Unfinished, FailureKind? LastFailure)
{
    /// <summary>Attempts that count toward <see cref="Docx2PdfOptions.MaxEngineFailures"/>.</summary>
    public int Total => Failures + Unfinished;

    /// <summary>Whether any attempt was counted.</summary>
    public bool IsEmpty => Failures == 0 && Unfinished == 0;
}

internal sealed record EngineFailuresDocument
{
    public required string SourceBucket { get; init; }

    public required string SourceObject { get; init; }

    public required long SourceGeneration { get; init; }

    public required int EngineFailures { get; init; }

    public required int UnfinishedConversions { get; init; }

    public string? LastEngineFailure { get; init; }

    public required DateTimeOffset Updated { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(EngineFailuresDocument))]
internal sealed partial class EngineFailuresJsonContext : JsonSerializerContext;
