using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Docx2Pdf.Storage;
using Docx2Pdf.Testing.Storage;

namespace Docx2Pdf.Fire;

/// <summary>What a document must end as.</summary>
internal enum Expect
{
    /// <summary>A healthy document: exactly one PDF, never a failure record.</summary>
    Pdf,

    /// <summary>A document that cannot convert: exactly one failure record naming a real cause.</summary>
    Record,

    /// <summary>Either, but exactly one (hostile inputs LibreOffice may render, e.g. a renamed PNG).</summary>
    PdfOrRecord,

    /// <summary>Nothing at all (an event for a bucket that is not configured).</summary>
    Nothing,
}

internal sealed record Doc(string Bucket, string Name, byte[] Content, Expect Expect, string What)
{
    public long Generation { get; set; }

    public DateTimeOffset? PublishedAt { get; set; }

    public string PdfName => Name.EndsWith(".docx", StringComparison.OrdinalIgnoreCase) ? Name[..^5] + ".pdf" : Name + ".pdf";

    /// <summary>Where the library puts the failure record (the rule of OutputNaming.FailureRecordName).</summary>
    public string RecordName
    {
        get
        {
            var name = Lab.FailurePrefix + Name + ".json";
            return Encoding.UTF8.GetByteCount(name) <= 1024 && name.IndexOfAny(['\r', '\n']) < 0
                ? name
                : Lab.FailurePrefix + "sha256/" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Name))) + ".json";
        }
    }
}

/// <summary>What one document ended as, read back from the output bucket.</summary>
internal sealed record Ending(bool HasPdf, long? PdfSourceGeneration, string? RecordKind, string? RecordMessage, int PdfWrites, int RecordWrites, DateTimeOffset? PdfAt);

/// <summary>
/// One scenario's world: a private folder (stores, host temp folders, logs), the output-write counter and the
/// process and leak checks. Everything a scenario starts is started through here so it can be checked and stopped.
/// </summary>
internal sealed class Lab : IAsyncDisposable
{
    public const string InputBucket = "uploads";
    public const string OutputBucket = "pdfs";
    public const string FailurePrefix = "docx2pdf-failures/";

    private readonly ConcurrentDictionary<string, int> _writes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _firstWrite = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _hashToName = new(StringComparer.Ordinal);
    private readonly HashSet<string> _pipesBefore;
    private FileSystemWatcher? _watcher;
    private volatile bool _watcherOverflowed;

    private Lab(string name, string root, GcsTestServer? gcs)
    {
        Name = name;
        Dir = root;
        Gcs = gcs;
        Directory.CreateDirectory(Dir);
        StoreRoot = Path.Combine(Dir, "store");
        Directory.CreateDirectory(Path.Combine(StoreRoot, OutputBucket));
        Directory.CreateDirectory(Path.Combine(StoreRoot, InputBucket));
        Store = new FileSystemObjectStore(new FileSystemObjectStoreOptions { RootPath = StoreRoot });
        _pipesBefore = [.. OfficePipes()];
        if (gcs is null)
        {
            // Counting writes: the local store writes a temporary file and renames it over {sha256(name)}.obj, so every
            // write of an output object is one rename into the bucket folder (inotify IN_MOVED_TO), seen here.
            _watcher = new FileSystemWatcher(Path.Combine(StoreRoot, OutputBucket))
            {
                InternalBufferSize = 1 << 20,
                NotifyFilter = NotifyFilters.FileName,
                IncludeSubdirectories = false,
            };
            _watcher.Renamed += (_, e) => CountWrite(e.Name);
            _watcher.Created += (_, e) => CountWrite(e.Name);
            _watcher.Error += (_, _) => _watcherOverflowed = true;
            _watcher.EnableRaisingEvents = true;
        }
        else
        {
            gcs.ObjectWritten += (bucket, objectName, _) =>
            {
                if (bucket == OutputBucket)
                {
                    _writes.AddOrUpdate(objectName, 1, (_, n) => n + 1);
                    _firstWrite.TryAdd(objectName, DateTimeOffset.UtcNow);
                }
            };
        }
    }

    public string Name { get; }

    public string Dir { get; }

    public string StoreRoot { get; }

    public FileSystemObjectStore Store { get; }

    public GcsTestServer? Gcs { get; }

    public List<HostProcess> Hosts { get; } = [];

    public List<string> Notes { get; } = [];

    public static Lab Create(string runDir, string name, GcsTestServer? gcs = null) =>
        new(name, Path.Combine(runDir, name), gcs);

    /// <summary>Stores the document in its bucket and remembers its generation.</summary>
    public async Task PutAsync(Doc doc)
    {
        Register(doc.PdfName);
        Register(doc.RecordName);
        if (doc.Name.IndexOfAny(['\r', '\n']) >= 0)
        {
            // Cloud Storage (and both local stores) refuse CR/LF in object names: such a name only arrives as a forged event,
            // so only the event is pushed; the pipeline must still end it with a failure record.
            doc.Generation = 1;
            return;
        }

        if (Gcs is not null)
        {
            doc.Generation = Gcs.PutObject(doc.Bucket, doc.Name, doc.Content, "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
            return;
        }

        using var content = new MemoryStream(doc.Content, writable: false);
        var info = await Store.UploadAsync(doc.Bucket, doc.Name, content, new ObjectWriteOptions { ContentType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document" });
        doc.Generation = info.Generation;
    }

    /// <summary>Reads what the document ended as.</summary>
    public async Task<Ending> EndingAsync(Doc doc)
    {
        long? pdfGeneration = null;
        var hasPdf = false;
        string? kind = null, message = null;
        if (Gcs is not null)
        {
            if (doc.PdfName.IndexOfAny(['\r', '\n']) < 0 && Gcs.GetObject(OutputBucket, doc.PdfName) is { } pdf)
            {
                hasPdf = true;
                pdfGeneration = SourceGeneration(pdf.Metadata);
            }

            if (Gcs.GetObject(OutputBucket, doc.RecordName) is { } record)
            {
                (kind, message) = ParseRecord(record.Data);
            }
        }
        else
        {
            if (doc.PdfName.IndexOfAny(['\r', '\n']) < 0 && await Store.GetInfoAsync(OutputBucket, doc.PdfName) is { } pdf)
            {
                hasPdf = true;
                pdfGeneration = SourceGeneration(pdf.Metadata);
            }

            if (await Store.GetInfoAsync(OutputBucket, doc.RecordName) is { } record)
            {
                using var buffer = new MemoryStream();
                await Store.DownloadAsync(OutputBucket, doc.RecordName, record.Generation, buffer);
                (kind, message) = ParseRecord(buffer.ToArray());
            }
        }

        return new Ending(hasPdf, pdfGeneration, kind, message, Writes(doc.PdfName), Writes(doc.RecordName), _firstWrite.TryGetValue(doc.PdfName, out var at) ? at : null);
    }

    public bool WriteCountReliable => !_watcherOverflowed;

    public int Writes(string objectName) => _writes.TryGetValue(objectName, out var n) ? n : 0;

    /// <summary>Every process that belongs to this lab: its command line or environment names the lab's folder.</summary>
    public IReadOnlyList<(int Pid, string Command)> OwnProcesses()
    {
        var found = new List<(int, string)>();
        var self = Environment.ProcessId;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == self)
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim();
                string environ;
                try
                {
                    environ = File.ReadAllText(Path.Combine(dir, "environ"));
                }
                catch (IOException)
                {
                    environ = string.Empty;
                }

                if (cmdline.Contains(Dir, StringComparison.Ordinal) || environ.Contains(Dir, StringComparison.Ordinal))
                {
                    found.Add((pid, cmdline.Length > 160 ? cmdline[..160] + "…" : cmdline));
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    /// <summary>
    /// The leak checks, run when every host of the lab has stopped: no process of the lab alive, nothing left in the hosts'
    /// temporary folders (work folders, profiles, spooled bodies) but the empty roots, no new LibreOffice pipe socket in /tmp
    /// that no live process listens on. Returns the problems; kills leftover processes so the next scenario starts clean.
    /// </summary>
    public List<string> CheckLeaks()
    {
        var problems = new List<string>();
        var alive = OwnProcesses();
        if (alive.Count > 0)
        {
            problems.Add($"{alive.Count} leaked process(es): {string.Join("; ", alive.Select(p => $"{p.Pid} {p.Command}"))}");
            foreach (var (pid, _) in alive)
            {
                _ = NativeMethods.Kill(pid, 9);
            }
        }

        foreach (var host in Hosts.Select(h => h.TempDir).Distinct())
        {
            if (!Directory.Exists(host))
            {
                continue;
            }

            var leftovers = Directory.EnumerateFileSystemEntries(host, "*", SearchOption.AllDirectories)
                .Where(p => !(Directory.Exists(p) && Path.GetDirectoryName(p) == host && !Directory.EnumerateFileSystemEntries(p).Any()))
                .ToList();
            if (leftovers.Count > 0)
            {
                var shown = leftovers.Take(4).Select(p => Path.GetRelativePath(host, p));
                problems.Add($"{leftovers.Count} leaked file(s)/folder(s) in {Path.GetRelativePath(Dir, host)}: {string.Join(", ", shown)}{(leftovers.Count > 4 ? ", …" : string.Empty)}");
            }
        }

        var bound = BoundUnixSockets();
        var leakedPipes = OfficePipes().Where(p => !_pipesBefore.Contains(p) && !bound.Contains(p)).ToList();
        if (leakedPipes.Count > 0)
        {
            problems.Add($"{leakedPipes.Count} leaked LibreOffice pipe socket(s) in /tmp: {string.Join(", ", leakedPipes.Take(3).Select(Path.GetFileName))}");
        }

        return problems;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in Hosts)
        {
            await host.DisposeAsync();
        }

        foreach (var (pid, _) in OwnProcesses())
        {
            _ = NativeMethods.Kill(pid, 9);
        }

        _watcher?.Dispose();
    }

    internal static (string? Kind, string? Message) ParseRecord(byte[] json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            return (root.TryGetProperty("failureKind", out var k) ? k.GetString() : null, root.TryGetProperty("message", out var m) ? m.GetString() : null);
        }
        catch (JsonException)
        {
            return ("(unreadable record)", null);
        }
    }

    private static long? SourceGeneration(IReadOnlyDictionary<string, string> metadata) =>
        metadata.FirstOrDefault(kv => kv.Key.EndsWith("generation", StringComparison.OrdinalIgnoreCase) && kv.Key.Contains("source", StringComparison.OrdinalIgnoreCase)).Value is { } text &&
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var g) ? g : null;

    private static IEnumerable<string> OfficePipes() =>
        Directory.EnumerateFiles("/tmp", "OSL_PIPE_*");

    private static HashSet<string> BoundUnixSockets()
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines("/proc/net/unix").Skip(1))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 8)
            {
                set.Add(parts[7]);
            }
        }

        return set;
    }

    private void Register(string objectName) =>
        _hashToName[Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(objectName))) + ".obj"] = objectName;

    private void CountWrite(string? fileName)
    {
        if (fileName is null || !fileName.EndsWith(".obj", StringComparison.Ordinal))
        {
            return;
        }

        var key = _hashToName.TryGetValue(fileName, out var objectName) ? objectName : "?" + fileName;
        _writes.AddOrUpdate(key, 1, (_, n) => n + 1);
        _firstWrite.TryAdd(key, DateTimeOffset.UtcNow);
    }
}
