using System.Diagnostics;
using System.Globalization;
using Docx2Pdf.Testing;
using Docx2Pdf.Testing.Storage;

namespace Docx2Pdf.Fire;

/// <summary>One row of docs/reliability.md.</summary>
internal sealed record ScenarioResult(string Id, string Title, string Done, string Measured, IReadOnlyList<string> Problems, int Notifications, int Faults, int Lost, int WrittenTwice)
{
    public bool Passed => Problems.Count == 0;
}

internal sealed record Profile(
    string Name,
    int LoadOneHost,
    int LoadTwoHosts,
    int LoadPull,
    int Burst,
    int BurstParallel,
    int FaultLoad,
    double TimeScale)
{
    public static Profile Quick { get; } = new("quick", 12, 8, 8, 40, 40, 8, 0.01);

    public static Profile Full { get; } = new("full", 1000, 1000, 1000, 200, 200, 30, 0.01);
}

/// <summary>What a delivered set of documents ended as, and the figures the report shows.</summary>
internal sealed class Tally
{
    public int Documents { get; set; }

    public int Pdfs { get; set; }

    public int Records { get; set; }

    public int Lost { get; set; }

    public int WrittenTwice { get; set; }

    public int RecordRewrites { get; set; }

    public List<string> Problems { get; } = [];

    public List<double> LatenciesSeconds { get; } = [];

    public Dictionary<string, int> RecordKinds { get; } = new(StringComparer.Ordinal);

    public TimeSpan Drain { get; set; }

    public string Percentiles()
    {
        if (LatenciesSeconds.Count == 0)
        {
            return "latency n/a";
        }

        var sorted = LatenciesSeconds.Order().ToList();
        double P(double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"p50/p95/p99 {P(0.50):0.0}/{P(0.95):0.0}/{P(0.99):0.0} s");
    }

    public string Summary() =>
        $"{Pdfs} PDFs, {Records} records{(RecordKinds.Count > 0 ? " (" + string.Join(", ", RecordKinds.Select(kv => $"{kv.Key} {kv.Value}")) + ")" : string.Empty)}, {Lost} lost, {WrittenTwice} written twice";
}

internal static class Runner
{
    /// <summary>Failure kinds that are not a cause a document can end with: they only ever mean "try again".</summary>
    private static readonly HashSet<string> NotACause = new(StringComparer.Ordinal)
    {
        "converter_busy", "interrupted", "storage_transient", "storage_precondition_failed", "storage_not_found",
    };

    public static Dictionary<string, string> HostSettings(Lab lab, int pool, int queue, TimeSpan? conversionTimeout = null, IDictionary<string, string>? extra = null)
    {
        var s = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Docx2Pdf:OutputBucket"] = Lab.OutputBucket,
            ["Docx2Pdf:InputBuckets:0"] = Lab.InputBucket,
            ["Docx2Pdf:Storage:Provider"] = "FileSystem",
            ["Docx2Pdf:Storage:LocalRoot"] = lab.StoreRoot,
            ["Docx2Pdf:LibreOffice:PoolSize"] = pool.ToString(CultureInfo.InvariantCulture),
            ["Docx2Pdf:LibreOffice:QueueLength"] = queue.ToString(CultureInfo.InvariantCulture),
            ["Docx2Pdf:LibreOffice:ConversionTimeout"] = (conversionTimeout ?? TimeSpan.FromSeconds(60)).ToString("c", CultureInfo.InvariantCulture),
            // Push settings under the structure issue's name and under the name they had before it.
            ["Docx2Pdf:PubSub:Push:Authentication"] = "None",
            ["Docx2Pdf:PubSub:Push:Authentication"] = "None",
            ["Docx2Pdf:PubSub:Push:AckDeadline"] = "00:01:00",
            ["Docx2Pdf:PubSub:Push:AckDeadline"] = "00:01:00",
            ["shutdownTimeoutSeconds"] = "30",
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, string>())
        {
            s[k] = v;
        }

        return s;
    }

    public static Dictionary<string, string> PullSettings(string subscription, PubSubEmulator emulator) => new(StringComparer.Ordinal)
    {
        ["Docx2Pdf:PubSub:Pull:Subscription"] = subscription,
        ["Docx2Pdf:PubSub:Pull:Endpoint"] = $"http://{emulator.HostAndPort}/",
        ["Docx2Pdf:PubSub:Pull:Subscription"] = subscription,
        ["Docx2Pdf:PubSub:Pull:Endpoint"] = $"http://{emulator.HostAndPort}/",
    };

    public static GcsSettings Gcs(GcsTestServer gcs) => new(gcs);

    /// <summary>
    /// Uploads <paramref name="docs"/>, delivers each with <paramref name="deliver"/> (in parallel up to
    /// <paramref name="parallel"/>), samples the hosts' memory, calls <paramref name="onProgress"/> with the number of
    /// documents that have ended, and waits until every document has ended or <paramref name="bound"/> passes.
    /// </summary>
    /// <remarks>
    /// When <paramref name="ackedMeansFinal"/> is set (direct pushes), a document whose delivery was acknowledged and that has
    /// no ending is final at once: the pipeline writes before it acknowledges, so nothing more will come for it.
    /// </remarks>
    public static async Task<TimeSpan> DeliverAndWaitAsync(Lab lab, IReadOnlyList<Doc> docs, Func<Doc, Task> deliver, TimeSpan bound, int parallel = 1, Func<int, Task>? onProgress = null, bool ackedMeansFinal = false)
    {
        foreach (var doc in docs)
        {
            await lab.PutAsync(doc);
        }

        var watch = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var host in lab.Hosts.Where(h => !h.HasExited))
                {
                    host.Sample();
                }

                try
                {
                    await Task.Delay(500, stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });

        var delivered = new System.Collections.Concurrent.ConcurrentDictionary<Doc, bool>();
        var delivering = Parallel.ForEachAsync(docs, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (doc, _) =>
        {
            doc.PublishedAt ??= DateTimeOffset.UtcNow;
            await deliver(doc);
            delivered[doc] = true;
        });

        var ended = new HashSet<Doc>();
        var waitable = docs.Where(d => d.Expect != Expect.Nothing).ToList();
        while (ended.Count < waitable.Count && watch.Elapsed < bound)
        {
            foreach (var doc in waitable.Where(d => !ended.Contains(d)).ToList())
            {
                var wasDelivered = delivered.ContainsKey(doc);
                var e = await lab.EndingAsync(doc);
                if (e.HasPdf || e.RecordKind is not null || (ackedMeansFinal && wasDelivered))
                {
                    ended.Add(doc);
                }
            }

            if (onProgress is not null)
            {
                await onProgress(ended.Count);
            }

            if (ended.Count < waitable.Count)
            {
                await Task.Delay(500);
            }
        }

        var drain = watch.Elapsed;
        if (delivering.IsCompleted || await Task.WhenAny(delivering, Task.Delay(TimeSpan.FromSeconds(30))) == delivering)
        {
            await delivering;
        }

        stop.Cancel();
        await sampler;
        return drain;
    }

    /// <summary>Reads every document's ending and checks it against what it must end as.</summary>
    public static async Task<Tally> EvaluateAsync(Lab lab, IReadOnlyList<Doc> docs, TimeSpan drain)
    {
        var tally = new Tally { Documents = docs.Count, Drain = drain };
        if (!lab.WriteCountReliable)
        {
            tally.Problems.Add("the write counter overflowed: writes could not all be counted");
        }

        foreach (var doc in docs)
        {
            var e = await lab.EndingAsync(doc);
            var label = $"'{Printable(doc.Name)}' ({doc.What})";
            if (e.HasPdf)
            {
                tally.Pdfs++;
                if (e.PdfAt is { } at && doc.PublishedAt is { } published)
                {
                    tally.LatenciesSeconds.Add((at - published).TotalSeconds);
                }
            }

            if (e.RecordKind is { } kind)
            {
                tally.Records++;
                tally.RecordKinds[kind] = tally.RecordKinds.GetValueOrDefault(kind) + 1;
            }

            if (e.PdfWrites > 1)
            {
                tally.WrittenTwice++;
                tally.Problems.Add($"{label}: PDF written {e.PdfWrites} times");
            }

            if (e.RecordWrites > 1)
            {
                tally.RecordRewrites++;
            }

            switch (doc.Expect)
            {
                case Expect.Pdf when !e.HasPdf && e.RecordKind is null:
                case Expect.Record when !e.HasPdf && e.RecordKind is null:
                case Expect.PdfOrRecord when !e.HasPdf && e.RecordKind is null:
                    tally.Lost++;
                    tally.Problems.Add($"{label}: lost (no PDF, no failure record)");
                    break;
                case Expect.Pdf when e.RecordKind is not null && !e.HasPdf:
                    tally.Problems.Add($"{label}: healthy document ended as a failure record ({e.RecordKind}: {Printable(e.RecordMessage ?? string.Empty, 120)})");
                    break;
                case Expect.Record when e.HasPdf && e.RecordKind is null:
                    tally.Problems.Add($"{label}: ended as a PDF; expected a failure record");
                    break;
                case Expect.Nothing when e.HasPdf || e.RecordKind is not null:
                    tally.Problems.Add($"{label}: something was written for it (PDF: {e.HasPdf}, record: {e.RecordKind ?? "none"})");
                    break;
                default:
                    break;
            }

            if (e.HasPdf && e.RecordKind is not null)
            {
                tally.Problems.Add($"{label}: both a PDF and a failure record ({e.RecordKind})");
            }

            if (e.RecordKind is { } k && NotACause.Contains(k))
            {
                tally.Problems.Add($"{label}: failure record names no real cause ({k})");
            }

            if (e.HasPdf && e.PdfSourceGeneration is { } g && g != doc.Generation)
            {
                tally.Problems.Add($"{label}: the PDF is from generation {g}, not {doc.Generation}");
            }
        }

        return tally;
    }

    /// <summary>The answers the hosts gave: anything 5xx but the documented 503 (retry) and 429 (busy) is a problem.</summary>
    public static IEnumerable<string> StatusProblems(IReadOnlyDictionary<int, int> statuses) =>
        statuses.Where(kv => kv.Key >= 500 && kv.Key != 503).Select(kv => $"{kv.Value} answer(s) {kv.Key} (only 503 and 429 are documented)");

    public static string Statuses(IReadOnlyDictionary<int, int> statuses) =>
        string.Join(" ", statuses.OrderBy(kv => kv.Key).Select(kv => $"{(kv.Key == 0 ? "refused" : kv.Key.ToString(CultureInfo.InvariantCulture))}×{kv.Value}"));

    /// <summary>Host RSS back within ±10 % of <paramref name="baselineKb"/>; waits up to 30 s for the runtime to give memory back.</summary>
    /// <summary>
    /// After a load: the host's RSS must not stay more than 10 % above <paramref name="baselineKb"/>, the RSS after a first
    /// round of the same shape (<see cref="SettledRssKbAsync"/>). Waits up to 30 s for it to come down. Below the baseline
    /// is memory given back, not a failure.
    /// </summary>
    public static async Task<(bool Ok, long AfterKb)> RssBackAsync(HostProcess host, long baselineKb)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        long after;
        while (true)
        {
            after = host.RssKb();
            if (after <= baselineKb * 1.10 || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(1000);
        }

        return (after <= baselineKb * 1.10, after);
    }

    /// <summary>The host's RSS once a round has drained: the lowest of 10 samples a second apart (in-flight buffers released).</summary>
    public static async Task<long> SettledRssKbAsync(HostProcess host)
    {
        var low = long.MaxValue;
        for (var i = 0; i < 10; i++)
        {
            low = Math.Min(low, host.RssKb());
            await Task.Delay(1000);
        }

        return low;
    }

    /// <summary>Warms a host up with a few small documents so the RSS baseline is the one of a serving host.</summary>
    public static async Task<long> WarmUpAsync(Lab lab, HostProcess host, PushClient client, int count = 4, int parallel = 1)
    {
        var docs = Enumerable.Range(0, count).Select(i => new Doc(Lab.InputBucket, $"warmup/{host.Name}-{Guid.NewGuid():N}-{i}.docx", Documents.Plain("warm up " + i), Expect.Pdf, "warm-up")).ToList();
        await DeliverAndWaitAsync(lab, docs, d => client.DeliverAsync(host.BaseUri, d, TimeSpan.FromMinutes(2)), TimeSpan.FromMinutes(3), parallel, ackedMeansFinal: true);
        return host.RssKb();
    }

    public static string Mb(long kb) => string.Create(CultureInfo.InvariantCulture, $"{kb / 1024.0:0} MB");

    public static string Printable(string s, int max = 80)
    {
        var cleaned = new string([.. s.Select(c => char.IsControl(c) || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' ? '·' : c)]);
        return cleaned.Length > max ? cleaned[..(max / 2)] + "…" + cleaned[^(max / 2)..] : cleaned;
    }
}

internal sealed class GcsSettings(GcsTestServer gcs)
{
    public Dictionary<string, string> Settings => new(StringComparer.Ordinal)
    {
        ["Docx2Pdf:Storage:Provider"] = "CloudStorage",
        ["Docx2Pdf:Storage:CloudStorage:BaseUri"] = gcs.BaseUri.ToString(),
        ["Docx2Pdf:Storage:CloudStorage:UnauthenticatedAccess"] = "true",
        ["Docx2Pdf:Storage:CloudStorage:RetryBaseDelay"] = "00:00:00.200",
    };
}
