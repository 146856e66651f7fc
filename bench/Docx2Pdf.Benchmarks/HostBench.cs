// The sample host (samples/Docx2Pdf.CloudRun, Release) run as Cloud Run runs it: in a memory- and CPU-limited cgroup,
// with /tmp on a tmpfs charged to that cgroup (Cloud Run's /tmp is memory). Measures, per container size:
//   - host process start -> /healthz/ready -> first PDF of a 1-page document through /convert (fresh host each run);
//   - RSS of the whole host + instances over N conversions of the corpus through /convert, the cgroup's own peak
//     (which counts /tmp), OOM kills, CPU-seconds, docs/s;
// and writes docs/capacity.md (capacity and cost, generated from those figures) and eng/cloud-run-size.env (the
// recommended size, read by eng/deploy-cloud-run.sh and its test).
//   dotnet run -c Release --project bench/Docx2Pdf.Benchmarks -- --host --out docs/capacity.md --size-env eng/cloud-run-size.env
// The host is built as the image builds it (eng/image-steps.sh check: self-contained ReadyToRun publish, profile prepared
// once) and started as the image starts it (the executable, Docx2Pdf:LibreOffice:ProfileTemplateFolder set).
// While iterating: --sizes 2G:2 --start-runs 3 --conversions 20; --host-env K=V (repeatable) sets host variables;
// --plain-publish (framework-dependent, no ReadyToRun, run with `dotnet`) and --no-prepared-profile measure what each saves;
// --app DIR reuses a service built by `bash eng/image-steps.sh check DIR` (profile in DIR.profile) across runs.
// Needs root and cgroup v1 (memory, cpu, cpuacct) or v2 (memory, cpu) writable, and unshare(1).
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Docx2Pdf.Testing;

namespace Docx2Pdf.Benchmarks
{
    internal sealed record HostBenchSettings(
        IReadOnlyList<ContainerSize> Sizes, int Conversions, int StartRuns, string? Out, string? SizeEnv, IReadOnlyList<string> HostEnv, int CpuWeight, string CommandLine,
        bool PlainPublish = false, bool PreparedProfile = true, string? App = null)
    {
        public static HostBenchSettings Parse(string[] args)
        {
            string? Get(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
            var sizes = (Get("--sizes") ?? "512M:1,2G:2").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(ContainerSize.Parse).ToList();
            var env = args.Select((a, i) => (a, i)).Where(x => x.a == "--host-env" && x.i + 1 < args.Length).Select(x => args[x.i + 1]).ToList();
            return new HostBenchSettings(
                sizes,
                int.Parse(Get("--conversions") ?? "1000", CultureInfo.InvariantCulture),
                int.Parse(Get("--start-runs") ?? "3", CultureInfo.InvariantCulture),
                Get("--out"),
                Get("--size-env"),
                env,
                int.Parse(Get("--cpu-weight") ?? "100", CultureInfo.InvariantCulture),
                string.Join(' ', args),
                args.Contains("--plain-publish"),
                !args.Contains("--no-prepared-profile"),
                Get("--app") is { } app ? Path.GetFullPath(app) : null);
        }
    }

    /// <summary>A Cloud Run container size: memory limit and vCPUs.</summary>
    internal sealed record ContainerSize(long MemoryBytes, double Cpus)
    {
        private const long MiB = 1024 * 1024;

        /// <summary>"512M:1", "2G:2".</summary>
        public static ContainerSize Parse(string text)
        {
            var parts = text.Split(':');
            var memory = parts[0].Trim().ToUpperInvariant();
            var bytes = memory.EndsWith('G')
                ? (long)(double.Parse(memory[..^1], CultureInfo.InvariantCulture) * 1024 * MiB)
                : (long)(double.Parse(memory.TrimEnd('M'), CultureInfo.InvariantCulture) * MiB);
            return new ContainerSize(bytes, double.Parse(parts[1], CultureInfo.InvariantCulture));
        }

        public double GiB => MemoryBytes / (1024.0 * MiB);

        /// <summary>The value of <c>gcloud run deploy --memory</c>.</summary>
        public string CloudRunMemory => MemoryBytes % (1024 * MiB) == 0 ? $"{MemoryBytes / (1024 * MiB)}Gi" : $"{MemoryBytes / MiB}Mi";

        public string Label => string.Create(CultureInfo.InvariantCulture, $"{(MemoryBytes % (1024 * MiB) == 0 ? $"{MemoryBytes / (1024 * MiB)} GiB" : $"{MemoryBytes / MiB} MiB")} / {Cpus:0.##} vCPU");
    }

    internal sealed record StartRun(double ListeningMs, double ReadyMs, double FirstPdfMs);

    internal sealed record LoadRun(
        int Conversions, int Failed, IReadOnlyDictionary<int, int> Statuses, TimeSpan Wall, IReadOnlyList<double> LatenciesMs,
        long PeakTotalRssBytes, long PeakHostRssBytes, long PeakInstancesRssBytes, long PeakAnonAndShmemBytes, long PeakCgroupBytes, long OomKills,
        double CpuSeconds, int SofficeProcesses, int ClientParallelism)
    {
        public double DocsPerSecond => (Conversions - Failed) / Wall.TotalSeconds;
    }

    internal sealed record HostRunResult(ContainerSize Size, int PoolSize, string SizingLine, IReadOnlyList<StartRun> Starts, LoadRun Load);

    internal static class HostBench
    {
        public static async Task<int> RunAsync(string[] args)
        {
            var settings = HostBenchSettings.Parse(args);
            var repo = RepositoryRoot();
            // Not under /tmp: the host's /tmp is replaced by a tmpfs.
            var work = Path.Combine("/var/tmp", "docx2pdf-hostbench-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(work);
            try
            {
                var app = settings.App ?? Path.Combine(work, "app");
                var profile = settings.App is null ? Path.Combine(work, "profile") : settings.App + ".profile";
                if (settings.App is not null)
                {
                    Console.WriteLine($"Using the service built in {app}, profile {profile}");
                }
                else if (settings.PlainPublish)
                {
                    Console.WriteLine($"Publishing samples/Docx2Pdf.CloudRun (Release, framework-dependent) to {app} ...");
                    await RunToEndAsync("dotnet", ["publish", Path.Combine(repo, "samples", "Docx2Pdf.CloudRun"), "-c", "Release", "-o", app, "--nologo", "-v", "q"]);
                    await RunToEndAsync("bash", [Path.Combine(repo, "eng", "image-steps.sh"), "profile", app, profile]);
                }
                else
                {
                    // The image's own steps: build context from .dockerignore, restore, publish, packages, profile.
                    Console.WriteLine($"Building samples/Docx2Pdf.CloudRun as the image does (eng/image-steps.sh check) into {app} ...");
                    await RunToEndAsync("bash", [Path.Combine(repo, "eng", "image-steps.sh"), "check", app, profile]);
                }

                if (settings.PreparedProfile)
                {
                    settings = settings with { HostEnv = [$"Docx2Pdf__LibreOffice__ProfileTemplateFolder={profile}", .. settings.HostEnv] };
                }
                var launcher = Path.Combine(work, "launch.sh");
                await File.WriteAllTextAsync(launcher, LauncherScript);
                var docs = Corpus.Convertible.Select(d => d.FullPath).ToList();
                var onePage = Path.Combine(repo, "samples", "documents", "welcome.docx");
                var results = new List<HostRunResult>();
                foreach (var size in settings.Sizes)
                {
                    results.Add(await MeasureSizeAsync(settings, size, app, launcher, docs, onePage));
                }

                var report = CapacityReport.Build(settings, results, docs.Count, out var recommended);
                Console.WriteLine(report);
                if (settings.Out is not null)
                {
                    await File.WriteAllTextAsync(settings.Out, report);
                    Console.WriteLine($"Wrote {settings.Out}");
                }

                if (settings.SizeEnv is not null && recommended is not null)
                {
                    await File.WriteAllTextAsync(settings.SizeEnv, CapacityReport.SizeEnv(recommended, settings.Out));
                    Console.WriteLine($"Wrote {settings.SizeEnv}");
                }

                return 0;
            }
            finally
            {
                Directory.Delete(work, recursive: true);
            }
        }

        // Joins the benchmark's cgroups, then runs the host with /tmp on a fresh tmpfs in a private mount namespace;
        // every step execs, so the process started is the host itself.
        private const string LauncherScript = """
            #!/bin/sh
            set -e
            for f in $D2P_CGROUP_PROCS; do echo $$ > "$f"; done
            exec unshare --mount --propagation private /bin/sh -c 'mount -t tmpfs -o mode=1777 docx2pdf-tmp /tmp && exec "$@"' sh "$@"
            """;

        private static async Task<HostRunResult> MeasureSizeAsync(HostBenchSettings settings, ContainerSize size, string app, string launcher, IReadOnlyList<string> docs, string onePage)
        {
            Console.WriteLine($"== {size.Label}");
            var starts = new List<StartRun>();
            LoadRun? load = null;
            var poolSize = 0;
            var sizingLine = string.Empty;
            for (var run = 1; run <= settings.StartRuns; run++)
            {
                using var group = Cgroup.Create(size, settings.CpuWeight);
                await using var host = HostProcess.Start(settings, app, launcher, group);
                var sampler = new CgroupSampler(group, host.Pid);
                try
                {
                    var start = await host.MeasureStartAsync(onePage);
                    starts.Add(start);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  start {run}: listening {start.ListeningMs:0} ms, ready {start.ReadyMs:0} ms, first PDF {start.FirstPdfMs:0} ms"));
                    (poolSize, sizingLine) = host.Sizing();
                    if (run == settings.StartRuns)
                    {
                        load = await host.LoadAsync(docs, settings.Conversions, poolSize + 1, group, sampler);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  load: {load.Conversions} conversions, {load.Failed} failed, {load.DocsPerSecond:0.00} docs/s, peak RSS {load.PeakTotalRssBytes / 1048576.0:0} MiB, cgroup peak {load.PeakCgroupBytes / 1048576.0:0} MiB, OOM kills {load.OomKills}"));
                    }
                }
                finally
                {
                    await sampler.DisposeAsync();
                }
            }

            return new HostRunResult(size, poolSize, sizingLine, starts, load!);
        }

        internal static string RepositoryRoot()
        {
            for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Docx2Pdf.sln")))
                {
                    return dir.FullName;
                }
            }

            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Docx2Pdf.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("Run from the repository: Docx2Pdf.sln not found above the current folder.");
        }

        internal static async Task RunToEndAsync(string file, IEnumerable<string> arguments)
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in arguments)
            {
                psi.ArgumentList.Add(a);
            }

            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            if (p.ExitCode != 0)
            {
                throw new InvalidOperationException($"{file} {string.Join(' ', psi.ArgumentList)} failed ({p.ExitCode}): {await stdout}{await stderr}");
            }
        }
    }

    /// <summary>One cgroup (v1: memory, cpu and cpuacct hierarchies; v2: one directory) holding the host and its instances.</summary>
    internal sealed class Cgroup : IDisposable
    {
        private readonly List<string> _dirs = [];

        private Cgroup()
        {
        }

        public bool V2 { get; private set; }

        public string MemoryDir { get; private set; } = string.Empty;

        public string CpuAccountingDir { get; private set; } = string.Empty;

        public IEnumerable<string> ProcsFiles => _dirs.Select(d => Path.Combine(d, "cgroup.procs"));

        /// <param name="size">The container's memory limit and CPU quota.</param>
        /// <param name="cpuWeight">Times the default CPU weight: on a shared machine the container should get its vCPUs,
        /// as on Cloud Run, where they are its own; the quota still caps it.</param>
        public static Cgroup Create(ContainerSize size, int cpuWeight)
        {
            var name = "docx2pdf-bench-" + Guid.NewGuid().ToString("N")[..8];
            var group = new Cgroup();
            var own = File.ReadAllLines("/proc/self/cgroup").Select(l => l.Split(':', 3)).ToList();
            var mounts = File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(" - ", 2)).Where(h => h.Length == 2)
                .Select(h => (Left: h[0].Split(' '), Right: h[1].Split(' '))).ToList();
            string? V1Dir(string controller)
            {
                var mount = mounts.FirstOrDefault(m => m.Right[0] == "cgroup" && m.Right[2].Split(',').Contains(controller));
                var path = own.FirstOrDefault(c => c[1].Split(',').Contains(controller))?[2];
                return mount.Left is null || path is null ? null : mount.Left[4] + (mount.Left[3] == "/" ? path : "/").TrimEnd('/');
            }

            var quota = (long)Math.Round(size.Cpus * 100_000);
            if (V1Dir("memory") is { } memoryParent && Directory.Exists(memoryParent))
            {
                // Children of this process's own cgroups, so whatever limits the benchmark itself still applies.
                group.MemoryDir = group.Add(Path.Combine(memoryParent, name));
                File.WriteAllText(Path.Combine(group.MemoryDir, "memory.limit_in_bytes"), size.MemoryBytes.ToString(CultureInfo.InvariantCulture));
                var cpu = group.Add(Path.Combine(V1Dir("cpu") ?? throw new InvalidOperationException("No cgroup v1 cpu hierarchy."), name));
                File.WriteAllText(Path.Combine(cpu, "cpu.cfs_period_us"), "100000");
                File.WriteAllText(Path.Combine(cpu, "cpu.cfs_quota_us"), quota.ToString(CultureInfo.InvariantCulture));
                File.WriteAllText(Path.Combine(cpu, "cpu.shares"), Math.Min(262_144, 1024 * cpuWeight).ToString(CultureInfo.InvariantCulture));
                group.CpuAccountingDir = V1Dir("cpuacct") is { } acct ? (acct == V1Dir("cpu") ? cpu : group.Add(Path.Combine(acct, name))) : string.Empty;
                return group;
            }

            var v2 = mounts.FirstOrDefault(m => m.Right[0] == "cgroup2").Left?[4] ?? throw new InvalidOperationException("Neither a cgroup v1 memory hierarchy nor cgroup v2 is mounted.");
            // v2 allows no processes in a cgroup that delegates controllers, so the group hangs off the hierarchy's root.
            File.WriteAllText(Path.Combine(v2, "cgroup.subtree_control"), "+memory +cpu");
            group.V2 = true;
            group.MemoryDir = group.CpuAccountingDir = group.Add(Path.Combine(v2, name));
            File.WriteAllText(Path.Combine(group.MemoryDir, "memory.max"), size.MemoryBytes.ToString(CultureInfo.InvariantCulture));
            if (File.Exists(Path.Combine(group.MemoryDir, "memory.swap.max")))
            {
                File.WriteAllText(Path.Combine(group.MemoryDir, "memory.swap.max"), "0");
            }

            File.WriteAllText(Path.Combine(group.MemoryDir, "cpu.max"), $"{quota} 100000");
            File.WriteAllText(Path.Combine(group.MemoryDir, "cpu.weight"), Math.Min(10_000, 100 * cpuWeight).ToString(CultureInfo.InvariantCulture));
            return group;
        }

        private string Add(string dir)
        {
            Directory.CreateDirectory(dir);
            _dirs.Add(dir);
            return dir;
        }

        public IReadOnlyList<int> Pids() =>
            File.ReadAllLines(Path.Combine(MemoryDir, "cgroup.procs")).Where(l => l.Length > 0).Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToList();

        /// <summary>Highest memory use of the cgroup so far, page cache and tmpfs included.</summary>
        public long PeakBytes() => long.Parse(File.ReadAllText(Path.Combine(MemoryDir, V2 ? "memory.peak" : "memory.max_usage_in_bytes")).Trim(), CultureInfo.InvariantCulture);

        /// <summary>Memory the kernel cannot reclaim without killing: anonymous pages and tmpfs (<c>/tmp</c>), charged to this cgroup alone.</summary>
        public long AnonAndShmemBytes()
        {
            long anon = 0, shmem = 0;
            foreach (var line in File.ReadLines(Path.Combine(MemoryDir, "memory.stat")))
            {
                var parts = line.Split(' ');
                if (parts.Length != 2)
                {
                    continue;
                }

                if (parts[0] == (V2 ? "anon" : "rss"))
                {
                    anon = long.Parse(parts[1], CultureInfo.InvariantCulture);
                }
                else if (parts[0] == "shmem")
                {
                    shmem = long.Parse(parts[1], CultureInfo.InvariantCulture);
                }
            }

            return anon + shmem;
        }

        public long OomKills()
        {
            var file = Path.Combine(MemoryDir, V2 ? "memory.events" : "memory.oom_control");
            var line = File.ReadAllLines(file).FirstOrDefault(l => l.StartsWith("oom_kill ", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line["oom_kill ".Length..], CultureInfo.InvariantCulture);
        }

        public double CpuSeconds()
        {
            if (V2)
            {
                var line = File.ReadAllLines(Path.Combine(CpuAccountingDir, "cpu.stat")).First(l => l.StartsWith("usage_usec ", StringComparison.Ordinal));
                return long.Parse(line["usage_usec ".Length..], CultureInfo.InvariantCulture) / 1e6;
            }

            return CpuAccountingDir.Length == 0 ? double.NaN
                : long.Parse(File.ReadAllText(Path.Combine(CpuAccountingDir, "cpuacct.usage")).Trim(), CultureInfo.InvariantCulture) / 1e9;
        }

        public void Dispose()
        {
            // Whatever is left (it should be nothing) is killed by pid, then the directories go, innermost first.
            for (var attempt = 0; attempt < 50; attempt++)
            {
                var left = _dirs.SelectMany(d => File.Exists(Path.Combine(d, "cgroup.procs")) ? File.ReadAllLines(Path.Combine(d, "cgroup.procs")) : []).Where(l => l.Length > 0).Distinct().ToList();
                if (left.Count == 0)
                {
                    break;
                }

                foreach (var pid in left)
                {
                    try
                    {
                        Process.GetProcessById(int.Parse(pid, CultureInfo.InvariantCulture)).Kill();
                    }
                    catch (ArgumentException)
                    {
                    }
                    catch (InvalidOperationException)
                    {
                    }
                }

                Thread.Sleep(100);
            }

            foreach (var dir in Enumerable.Reverse(_dirs))
            {
                for (var attempt = 0; attempt < 20; attempt++)
                {
                    try
                    {
                        Directory.Delete(dir);
                        break;
                    }
                    catch (IOException)
                    {
                        Thread.Sleep(100);
                    }
                }
            }
        }
    }

    /// <summary>Samples VmRSS of every process in the cgroup: their sum, the host's own, LibreOffice's.</summary>
    internal sealed class CgroupSampler : IAsyncDisposable
    {
        private readonly Cgroup _group;
        private readonly int _hostPid;
        private readonly CancellationTokenSource _stop = new();
        private readonly HashSet<int> _soffice = [];
        private readonly Task _loop;

        public CgroupSampler(Cgroup group, int hostPid)
        {
            _group = group;
            _hostPid = hostPid;
            _loop = Task.Run(LoopAsync);
        }

        public long PeakTotal { get; private set; }

        public long PeakHost { get; private set; }

        public long PeakInstances { get; private set; }

        public long PeakAnonAndShmem { get; private set; }

        public int SofficeProcesses
        {
            get
            {
                lock (_soffice)
                {
                    return _soffice.Count;
                }
            }
        }

        public void Reset()
        {
            PeakTotal = PeakHost = PeakInstances = PeakAnonAndShmem = 0;
            lock (_soffice)
            {
                _soffice.Clear();
            }
        }

        private async Task LoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                long total = 0, host = 0, instances = 0;
                try
                {
                    foreach (var pid in _group.Pids())
                    {
                        var (name, rss) = Status(pid);
                        total += rss;
                        if (pid == _hostPid)
                        {
                            host = rss;
                        }
                        else if (name == "soffice.bin")
                        {
                            instances += rss;
                            lock (_soffice)
                            {
                                _soffice.Add(pid);
                            }
                        }
                    }
                }
                catch (IOException)
                {
                }

                try
                {
                    PeakAnonAndShmem = Math.Max(PeakAnonAndShmem, _group.AnonAndShmemBytes());
                }
                catch (IOException)
                {
                }

                PeakTotal = Math.Max(PeakTotal, total);
                PeakHost = Math.Max(PeakHost, host);
                PeakInstances = Math.Max(PeakInstances, instances);
                try
                {
                    await Task.Delay(100, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }

        private static (string Name, long RssBytes) Status(int pid)
        {
            try
            {
                string name = string.Empty;
                long rss = 0;
                foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                {
                    if (line.StartsWith("Name:", StringComparison.Ordinal))
                    {
                        name = line[5..].Trim();
                    }
                    else if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    {
                        rss = long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                    }
                }

                return (name, rss);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return (string.Empty, 0);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            _stop.Dispose();
        }
    }

    /// <summary>The sample host started through the launcher inside a cgroup, on a free loopback port.</summary>
    internal sealed class HostProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly HttpClient _http;
        private readonly Stopwatch _sinceStart;

        private HostProcess(Process process, int port, Stopwatch sinceStart)
        {
            _process = process;
            _sinceStart = sinceStart;
            _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromMinutes(3) };
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public int Pid => _process.Id;

        public static HostProcess Start(HostBenchSettings settings, string app, string launcher, Cgroup group)
        {
            var port = FreePort();
            var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = app };
            string[] command = settings.PlainPublish ? ["dotnet", Path.Combine(app, "Docx2Pdf.CloudRun.dll")] : [Path.Combine(app, "Docx2Pdf.CloudRun")];
            foreach (var a in new[] { launcher }.Concat(command))
            {
                psi.ArgumentList.Add(a);
            }

            // Nothing of this machine's cloud settings reaches the host: local folders as buckets, loopback only.
            foreach (var key in psi.Environment.Keys.ToList())
            {
                if (key.StartsWith("GOOGLE_", StringComparison.Ordinal) || key.StartsWith("Docx2Pdf__", StringComparison.Ordinal) ||
                    key is "K_SERVICE" or "OUTPUT_BUCKET" or "STORAGE_EMULATOR_HOST" or "PUBSUB_EMULATOR_HOST" or "PORT" or "ASPNETCORE_URLS")
                {
                    psi.Environment.Remove(key);
                }
            }

            psi.Environment["D2P_CGROUP_PROCS"] = string.Join(' ', group.ProcsFiles);
            psi.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
            psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
            psi.Environment["Docx2Pdf__OutputBucket"] = "bench-out";
            psi.Environment["Docx2Pdf__Storage__Provider"] = "FileSystem";
            psi.Environment["Docx2Pdf__Storage__LocalRoot"] = "/tmp/docx2pdf-buckets";
            // The start and load rows go through /convert, which the sample maps only when asked (on loopback here).
            psi.Environment["Sample__ConvertEndpoint"] = "true";
            // As deployed by eng/deploy-cloud-run.sh: Cloud Run checks the push token in front of the service.
            // (Both section names: Docx2Pdf:PubSub:Push is being renamed Docx2Pdf:PubSub:Push.)
            psi.Environment["Docx2Pdf__PubSub__Push__Authentication"] = "Platform";
            psi.Environment["Docx2Pdf__PubSub__Push__Authentication"] = "Platform";
            foreach (var pair in settings.HostEnv)
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                psi.Environment[pair[..eq]] = pair[(eq + 1)..];
            }

            var sinceStart = Stopwatch.StartNew();
            return new HostProcess(Process.Start(psi)!, port, sinceStart);
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        /// <summary>Process start -> first HTTP answer -> /healthz/ready 200 -> the PDF of a 1-page document from /convert.</summary>
        public async Task<StartRun> MeasureStartAsync(string onePage)
        {
            double? listening = null;
            while (true)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"The host exited ({_process.ExitCode}) before it was ready:\n{Output}");
                }

                if (_sinceStart.Elapsed > TimeSpan.FromMinutes(2))
                {
                    throw new TimeoutException($"The host was not ready within 2 minutes:\n{Output}");
                }

                try
                {
                    using var ready = await _http.GetAsync("healthz/ready");
                    listening ??= _sinceStart.Elapsed.TotalMilliseconds;
                    if (ready.StatusCode == HttpStatusCode.OK)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                }

                await Task.Delay(10);
            }

            var readyMs = _sinceStart.Elapsed.TotalMilliseconds;
            var (status, _) = await ConvertAsync(onePage);
            if (status != 200)
            {
                throw new InvalidOperationException($"The first conversion answered {status}:\n{Output}");
            }

            return new StartRun(listening!.Value, readyMs, _sinceStart.Elapsed.TotalMilliseconds);
        }

        /// <summary>The pool size the host chose, from its start-up log line.</summary>
        public (int PoolSize, string Line) Sizing()
        {
            var line = Output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains("Sized from the container", StringComparison.Ordinal) || l.Contains("Sizing configured", StringComparison.Ordinal)) ?? string.Empty;
            var at = line.IndexOf("PoolSize ", StringComparison.Ordinal);
            var pool = at < 0 ? 0 : int.Parse(new string(line[(at + 9)..].TakeWhile(char.IsDigit).ToArray()), CultureInfo.InvariantCulture);
            return (pool, line);
        }

        private async Task<(int Status, double Ms)> ConvertAsync(string path)
        {
            var sw = Stopwatch.StartNew();
            await using var file = File.OpenRead(path);
            using var content = new StreamContent(file);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
            using var response = await _http.PostAsync("convert", content);
            if (response.IsSuccessStatusCode)
            {
                await response.Content.CopyToAsync(Stream.Null);
            }
            else
            {
                var body = await response.Content.ReadAsStringAsync();
                Console.WriteLine($"  {Path.GetFileName(path)}: {(int)response.StatusCode} {body[..Math.Min(300, body.Length)]}");
            }

            return ((int)response.StatusCode, sw.Elapsed.TotalMilliseconds);
        }

        /// <summary>N conversions of the corpus (cycled) with a fixed number in flight; the sampler's figures from here on.</summary>
        public async Task<LoadRun> LoadAsync(IReadOnlyList<string> docs, int conversions, int parallelism, Cgroup group, CgroupSampler sampler)
        {
            sampler.Reset();
            var cpuBefore = group.CpuSeconds();
            var statuses = new Dictionary<int, int>();
            var latencies = new List<double>();
            var gate = new object();
            var next = -1;
            var wall = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, parallelism).Select(async _ =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < conversions)
                {
                    int status;
                    double ms;
                    try
                    {
                        (status, ms) = await ConvertAsync(docs[i % docs.Count]);
                    }
                    catch (HttpRequestException)
                    {
                        (status, ms) = (0, 0);
                    }

                    lock (gate)
                    {
                        statuses[status] = statuses.GetValueOrDefault(status) + 1;
                        if (status == 200)
                        {
                            latencies.Add(ms);
                        }
                    }
                }
            }));
            wall.Stop();
            var failed = conversions - statuses.GetValueOrDefault(200);
            if (failed > 0)
            {
                Console.WriteLine($"  {failed} conversions did not answer 200: {string.Join(", ", statuses.Select(s => $"{s.Key}: {s.Value}"))}");
            }

            return new LoadRun(conversions, failed, statuses, wall.Elapsed, latencies, sampler.PeakTotal, sampler.PeakHost, sampler.PeakInstances, sampler.PeakAnonAndShmem,
                group.PeakBytes(), group.OomKills(), group.CpuSeconds() - cpuBefore, sampler.SofficeProcesses, parallelism);
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            if (!_process.HasExited)
            {
                // SIGTERM, as Cloud Run stops a container: the host drains and ends its instances.
                using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
                {
                    await kill.WaitForExitAsync();
                }

                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try
                {
                    await _process.WaitForExitAsync(wait.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync();
                }
            }

            _process.Dispose();
        }
    }
}
