// Docx2Pdf benchmark: cold (reused unprepared profile, the original sample's way; fresh profile), cold (prepared profile), warm pool 1 and 2,
// on the test corpus's convertible documents. Writes the Markdown report itself:
//   dotnet run -c Release --project bench/Docx2Pdf.Benchmarks -- --out docs/benchmarks.md
// Options: --docs N (warm runs, default all), --cold-docs N (cold runs, default 15), --rounds N (warm passes over
// the documents, default 1), --rss-conversions N (default 500).
// `--host` measures the sample host in a limited container instead and writes docs/capacity.md (see HostBench.cs).
// `--versions a,b` and `--cold-start` compare LibreOffice versions and instance start-up (see EngineBench.cs).
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Docx2Pdf.Benchmarks;
using Docx2Pdf.Conversion;
using Docx2Pdf.Testing;

if (args.Contains("--host"))
{
    return await HostBench.RunAsync(args);
}

if (args.Contains("--versions") || args.Contains("--cold-start"))
{
    return await EngineBench.RunAsync(args);
}

var settings = BenchSettings.Parse(args);
var corpus = Corpus.Convertible.Select(d => d.FullPath).ToList();
var docs = corpus.Take(settings.Docs).ToList();
// An evenly spaced sample, so the cold rows see the same mix of short and long documents as the warm rows.
var coldCount = Math.Min(settings.ColdDocs, docs.Count);
var coldDocs = Enumerable.Range(0, coldCount).Select(i => docs[i * docs.Count / coldCount]).ToList();
var work = Path.Combine(Path.GetTempPath(), "docx2pdf-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(work);
Console.WriteLine($"{docs.Count} documents (cold: {coldDocs.Count}), work folder {work}");
var rows = new List<ScenarioResult>();
string version;
try
{
    version = LibreOfficeInstallation.Locate(new LibreOfficeOptions()).Version;
    // The original sample runs `libreoffice --convert-to` against the default profile, which lives on between
    // requests and is never finished by headless runs; a brand-new profile per document is measured beside it.
    rows.Add(await Scenarios.SofficeConvertToAsync(coldDocs, work, reuseProfile: true));
    rows.Add(await Scenarios.SofficeConvertToAsync(coldDocs, work, reuseProfile: false));
    rows.Add(await Scenarios.ConverterAsync("Cold, prepared profile (ColdMode)", coldDocs, 1, work, settings.Rounds, cold: true));
    rows.Add(await Scenarios.ConverterAsync("Warm pool, size 1", docs, 1, work, settings.Rounds, cold: false));
    rows.Add(await Scenarios.ConverterAsync("Warm pool, size 2", docs, 2, work, settings.Rounds, cold: false));
    var rss500 = await Scenarios.RssAfterAsync(docs, settings.RssConversions, work);
    var report = Report.Build(settings, version, rows, rss500, docs.Count, coldDocs.Count);
    Console.WriteLine(report);
    if (settings.Out is not null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(settings.Out))!);
        await File.WriteAllTextAsync(settings.Out, report);
        Console.WriteLine($"Wrote {settings.Out}");
    }
}
finally
{
    Directory.Delete(work, recursive: true);
}

return 0;

namespace Docx2Pdf.Benchmarks
{
    internal sealed record BenchSettings(string? Out, int Docs, int ColdDocs, int Rounds, int RssConversions, string CommandLine)
    {
        public static BenchSettings Parse(string[] args)
        {
            string? Get(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
            int Int(string name, int fallback) => Get(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
            return new BenchSettings(Get("--out"), Int("--docs", int.MaxValue), Int("--cold-docs", 15), Int("--rounds", 1), Int("--rss-conversions", 500),
                string.Join(' ', args));
        }
    }

    internal sealed record ScenarioResult(string Name, int Conversions, int Failures, TimeSpan Wall, IReadOnlyList<double> LatenciesMs,
        IReadOnlyList<double> OverheadMs, long PeakRssBytes, double? FirstConversionMs, IReadOnlyDictionary<string, double> ByDocument)
    {
        public double DocsPerSecond => Conversions / Wall.TotalSeconds;
    }

    /// <summary>Samples VmRSS of every soffice.bin whose command line contains a marker (the scenario's folder).</summary>
    internal sealed class RssSampler : IAsyncDisposable
    {
        private readonly string _marker;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public RssSampler(string marker)
        {
            _marker = marker;
            _loop = Task.Run(LoopAsync);
        }

        public long Peak { get; private set; }

        private async Task LoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                foreach (var dir in Directory.EnumerateDirectories("/proc"))
                {
                    var name = Path.GetFileName(dir);
                    if (!int.TryParse(name, out var pid))
                    {
                        continue;
                    }

                    try
                    {
                        var cmd = File.ReadAllText(Path.Combine(dir, "cmdline"));
                        if (cmd.StartsWith("/usr/lib/libreoffice/program/soffice.bin", StringComparison.Ordinal) || cmd.Contains("soffice.bin", StringComparison.Ordinal))
                        {
                            if (cmd.Contains(_marker, StringComparison.Ordinal) && ProcFs.ReadRssBytes(pid) is { } rss && rss > Peak)
                            {
                                Peak = rss;
                            }
                        }
                    }
                    catch (IOException)
                    {
                    }
                    catch (UnauthorizedAccessException)
                    {
                    }
                }

                try
                {
                    await Task.Delay(100, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_loop.IsCompleted)
            {
                return;
            }

            await _stop.CancelAsync();
            await _loop;
        }
    }

    internal static class Scenarios
    {
        /// <summary>
        /// `soffice --headless --convert-to pdf`, one process per document, on an unprepared profile: either one profile
        /// reused for every document (the original Cloud Run sample, whose default profile outlives each request) or a
        /// brand-new profile per document.
        /// </summary>
        public static async Task<ScenarioResult> SofficeConvertToAsync(IReadOnlyList<string> docs, string work, bool reuseProfile)
        {
            var name = reuseProfile
                ? "Cold, one reused unprepared profile (`soffice --convert-to`, original sample)"
                : "Cold, brand-new profile per document (`soffice --convert-to`)";
            Console.WriteLine(name + " ...");
            var folder = Path.Combine(work, reuseProfile ? "cold-reused" : "cold-fresh");
            Directory.CreateDirectory(folder);
            var latencies = new List<double>();
            var byDocument = new Dictionary<string, double>();
            var failures = 0;
            var total = Stopwatch.StartNew();
            await using var sampler = new RssSampler(folder);
            double? first = null;
            foreach (var (doc, i) in docs.Select((d, i) => (d, i)))
            {
                var profile = Path.Combine(folder, reuseProfile ? "profile" : $"profile-{i}");
                var outDir = Path.Combine(folder, $"out-{i}");
                var psi = new ProcessStartInfo("soffice") { RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var a in new[] { "--headless", "-env:UserInstallation=" + new Uri(profile).AbsoluteUri, "--convert-to", "pdf", "--outdir", outDir, doc })
                {
                    psi.ArgumentList.Add(a);
                }

                var sw = Stopwatch.StartNew();
                using (var p = Process.Start(psi)!)
                {
                    _ = p.StandardOutput.ReadToEndAsync();
                    _ = p.StandardError.ReadToEndAsync();
                    await p.WaitForExitAsync();
                }

                latencies.Add(sw.Elapsed.TotalMilliseconds);
                byDocument[doc] = sw.Elapsed.TotalMilliseconds;
                first ??= sw.Elapsed.TotalMilliseconds;
                var pdf = Path.Combine(outDir, Path.GetFileNameWithoutExtension(doc) + ".pdf");
                if (!File.Exists(pdf) || new FileInfo(pdf).Length == 0)
                {
                    failures++;
                }

                if (!reuseProfile)
                {
                    Directory.Delete(profile, recursive: true);
                }
            }

            total.Stop();
            await sampler.DisposeAsync();
            return new ScenarioResult(name, docs.Count - failures, failures, total.Elapsed, latencies, [], sampler.Peak, first, byDocument);
        }

        public static async Task<ScenarioResult> ConverterAsync(string name, IReadOnlyList<string> docs, int poolSize, string work, int rounds, bool cold)
        {
            Console.WriteLine(name + " ...");
            var folder = Path.Combine(work, $"pool-{poolSize}-{(cold ? "cold" : "warm")}");
            var sinceStart = Stopwatch.StartNew();
            await using var converter = new LibreOfficeConverter(new LibreOfficeOptions { PoolSize = poolSize, ColdMode = cold, WorkFolder = folder, MaxConversionsPerInstance = 200 });
            await using var sampler = new RssSampler(folder);
            var firstDoc = docs[0];
            await converter.ConvertAsync(firstDoc, Path.Combine(work, "first.pdf"));
            var first = sinceStart.Elapsed.TotalMilliseconds;
            await converter.WarmUpAsync();

            var latencies = new List<double>();
            var byDocument = new Dictionary<string, double>();
            var overhead = new List<double>();
            var failures = 0;
            var gate = new object();
            var jobs = Enumerable.Range(0, rounds).SelectMany(_ => docs).ToList();
            var total = Stopwatch.StartNew();
            await Parallel.ForEachAsync(jobs, new ParallelOptions { MaxDegreeOfParallelism = poolSize }, async (doc, ct) =>
            {
                try
                {
                    await using var input = File.OpenRead(doc);
                    using var output = new MemoryStream();
                    var result = await converter.ConvertAsync(input, output, cancellationToken: ct);
                    lock (gate)
                    {
                        latencies.Add(result.TotalDuration.TotalMilliseconds);
                        byDocument[doc] = result.TotalDuration.TotalMilliseconds;
                        overhead.Add((result.TotalDuration - result.EngineDuration).TotalMilliseconds);
                    }
                }
                catch (Docx2PdfException ex)
                {
                    Console.WriteLine($"  {Path.GetFileName(doc)}: {ex.Kind}");
                    Interlocked.Increment(ref failures);
                }
            });
            total.Stop();
            await sampler.DisposeAsync();
            return new ScenarioResult(name, jobs.Count - failures, failures, total.Elapsed, latencies, overhead, sampler.Peak, first, byDocument);
        }

        /// <summary>RSS of one warm instance after N conversions with recycling switched off.</summary>
        public static async Task<(int Conversions, long RssBytes, long AfterFirstBytes)> RssAfterAsync(IReadOnlyList<string> docs, int conversions, string work)
        {
            Console.WriteLine($"RSS after {conversions} conversions ...");
            await using var converter = new LibreOfficeConverter(new LibreOfficeOptions
            {
                PoolSize = 1,
                WorkFolder = Path.Combine(work, "rss"),
                MaxConversionsPerInstance = int.MaxValue,
                MaxInstanceMemoryMegabytes = int.MaxValue,
            });
            long afterFirst = 0;
            for (var i = 0; i < conversions; i++)
            {
                try
                {
                    await using var input = File.OpenRead(docs[i % docs.Count]);
                    await converter.ConvertAsync(input, Stream.Null);
                }
                catch (Docx2PdfException)
                {
                }

                if (i == 0)
                {
                    afterFirst = ProcFs.ReadRssBytes(converter.InstanceProcesses.Single().SofficePid) ?? 0;
                }
            }

            return (conversions, ProcFs.ReadRssBytes(converter.InstanceProcesses.Single().SofficePid) ?? 0, afterFirst);
        }
    }

    internal static class Report
    {
        public static string Build(BenchSettings settings, string version, IReadOnlyList<ScenarioResult> rows, (int Conversions, long RssBytes, long AfterFirstBytes) rss, int docs, int coldDocs)
        {
            var inv = CultureInfo.InvariantCulture;
            var sb = new StringBuilder();
            sb.AppendLine("# Benchmarks");
            sb.AppendLine();
            sb.AppendLine("Generated by `dotnet run -c Release --project bench/Docx2Pdf.Benchmarks -- --out docs/benchmarks.md" + (settings.CommandLine.Contains("--docs", StringComparison.Ordinal) || settings.CommandLine.Contains("--cold-docs", StringComparison.Ordinal) || settings.CommandLine.Contains("--rss", StringComparison.Ordinal) ? "` (this run: `" + settings.CommandLine + "`)." : "`."));
            sb.AppendLine("Do not edit by hand.");
            sb.AppendLine();
            sb.AppendLine(inv, $"- Date (UTC): {DateTime.UtcNow:yyyy-MM-dd HH:mm}");
            sb.AppendLine(inv, $"- Machine: {CpuModel()}, {Environment.ProcessorCount} logical CPUs, {MemoryGiB():0.#} GiB RAM, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
            sb.AppendLine(inv, $"- LibreOffice {version} ({LibreOfficeInstallation.Locate(new LibreOfficeOptions()).SofficeBin}), driven over UNO by Debian's python3-uno");
            sb.AppendLine(inv, $"- Documents: {docs} convertible corpus documents for the warm runs (x{settings.Rounds}); an evenly spaced sample of {coldDocs} of them for the cold runs (a cold run costs seconds per document).");
            // Measured, not asserted: whatever else ran on the machine shows in the load average at the start of the run.
            var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";
            sb.AppendLine($"- Load average (1 min) when the run started: {load}. Anything else running on the machine makes absolute numbers pessimistic; the ratios between rows, measured in the same run, are what it is for.");
            sb.AppendLine();
            sb.AppendLine("| Mode | Docs | Failed | Docs/s | p50 latency (ms) | p95 latency (ms) | Library overhead p50 (ms) | Peak RSS per instance (MiB) | Start to first PDF (ms) |");
            sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var r in rows)
            {
                sb.AppendLine(inv, $"| {r.Name} | {r.Conversions} | {r.Failures} | {r.DocsPerSecond:0.00} | {Percentile(r.LatenciesMs, 50):0} | {Percentile(r.LatenciesMs, 95):0} | {(r.OverheadMs.Count == 0 ? "n/a" : Percentile(r.OverheadMs, 50).ToString("0.0", inv))} | {r.PeakRssBytes / 1048576.0:0} | {r.FirstConversionMs:0} |");
            }

            sb.AppendLine();
            var baseline = rows[0].DocsPerSecond;
            var warm1 = rows.First(r => r.Name.Contains("size 1", StringComparison.Ordinal)).DocsPerSecond;
            var warm2 = rows.First(r => r.Name.Contains("size 2", StringComparison.Ordinal)).DocsPerSecond;
            sb.AppendLine(inv, $"- Warm pool of 2 vs the original sample's way: **{warm2 / baseline:0.0}x** the throughput (target >= 30x; docs/s of the cold row is over its sample, which mirrors the corpus mix).");
            var warmRow = rows.First(r => r.Name.Contains("size 1", StringComparison.Ordinal));
            var same = rows[0].ByDocument.Keys.Where(warmRow.ByDocument.ContainsKey).ToList();
            if (same.Count > 0)
            {
                var coldMean = same.Average(d => rows[0].ByDocument[d]);
                var warmMean = same.Average(d => warmRow.ByDocument[d]);
                sb.AppendLine(inv, $"- Same {same.Count} documents, one at a time: original sample's way {coldMean:0} ms per document on average, warm pool of 1 {warmMean:0} ms (**{coldMean / warmMean:0.0}x** faster).");
            }

            sb.AppendLine(inv, $"- Warm pool of 2 vs warm pool of 1: **{warm2 / warm1:0.00}x** (target >= 1.85x).");
            sb.AppendLine(inv, $"- RSS of one warm instance (recycling off): {rss.AfterFirstBytes / 1048576.0:0} MiB after the first conversion, **{rss.RssBytes / 1048576.0:0} MiB after {rss.Conversions}** (why the pool recycles after `MaxConversionsPerInstance` = 200 or `MaxInstanceMemoryMegabytes` = 1024 by default).");
            sb.AppendLine();
            sb.AppendLine("Definitions: latency = the whole .NET call (`ConversionResult.TotalDuration`) for the pool rows, the process run for the two `soffice --convert-to` rows; " +
                "library overhead = `TotalDuration - EngineDuration`, where `EngineDuration` is LibreOffice's load + export time measured inside the instance (input copy, pre-checks, queueing, JSON round trip, output copy); " +
                "peak RSS = highest VmRSS of any one soffice.bin of that row, sampled every 100 ms; start to first PDF = from constructing the converter (or starting the process) to the first PDF written.");
            return sb.ToString();
        }

        internal static double Percentile(IReadOnlyList<double> values, double p)
        {
            if (values.Count == 0)
            {
                return double.NaN;
            }

            var sorted = values.Order().ToArray();
            var rank = p / 100 * (sorted.Length - 1);
            var lo = (int)Math.Floor(rank);
            var hi = (int)Math.Ceiling(rank);
            return sorted[lo] + ((sorted[hi] - sorted[lo]) * (rank - lo));
        }

        private static string CpuModel() =>
            File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";

        private static double MemoryGiB()
        {
            var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1048576.0;
        }
    }
}
