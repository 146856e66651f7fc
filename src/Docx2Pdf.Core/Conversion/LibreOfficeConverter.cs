using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.Conversion;

/// <summary>
/// Converts documents with a pool of warm LibreOffice instances driven over UNO (one small Python helper per
/// instance). Checks inputs before LibreOffice sees them, bounds the wait queue, kills and replaces instances that
/// time out, crash, grow too large or converted a document that embeds fonts, and leaves no process or file behind.
/// </summary>
public sealed class LibreOfficeConverter : IDocumentConverter, IAsyncDisposable, IDisposable
{
    private const string HelperResource = "Docx2Pdf.Conversion.docx2pdf_uno_helper.py";

    private readonly LibreOfficeOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Slot[] _slots;
    private readonly Channel<Slot> _idle = Channel.CreateUnbounded<Slot>();
    private readonly ConcurrentDictionary<Task, bool> _background = new();
    private readonly SemaphoreSlim _prepareLock = new(1, 1);
    private readonly string _root;
    private LibreOfficeInstallation? _installation;
    private string? _template;
    private string? _helperScript;
    private int _waiting;
    private int _active;
    private int _peakActive;
    private int _disposed;

    /// <summary>Creates the converter; no process starts until <see cref="WarmUpAsync"/> or the first conversion.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="timeProvider">The clock for queue and conversion timeouts.</param>
    public LibreOfficeConverter(IOptions<LibreOfficeOptions> options, ILogger<LibreOfficeConverter> logger, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options.Value;
        var validation = new LibreOfficeOptionsValidator().Validate(null, _options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(LibreOfficeOptions.SectionName, typeof(LibreOfficeOptions), validation.Failures);
        }

        _logger = logger;
        _time = timeProvider;
        _root = Path.Combine(Path.GetFullPath(_options.WorkFolder), $"{Environment.ProcessId}-{Guid.NewGuid():N}"[..20]);
        _slots = Enumerable.Range(0, _options.PoolSize).Select(i => new Slot(i)).ToArray();
        foreach (var slot in _slots)
        {
            _idle.Writer.TryWrite(slot);
        }
    }

    /// <summary>Creates the converter from plain options, for use without dependency injection.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="logger">The logger; <see langword="null"/> logs nothing.</param>
    public LibreOfficeConverter(LibreOfficeOptions options, ILogger<LibreOfficeConverter>? logger = null)
        : this(Options.Create(options ?? throw new ArgumentNullException(nameof(options))), logger ?? NullLogger<LibreOfficeConverter>.Instance, TimeProvider.System)
    {
    }

    /// <summary>The configured number of instances.</summary>
    public int PoolSize => _slots.Length;

    /// <summary>Instances whose LibreOffice is running now (busy or idle); cheap enough for a health check.</summary>
    public int ReadyInstances => _slots.Count(s => s.Instance?.IsAlive == true);

    /// <summary>Most conversions that ran at the same time since start (for tests and diagnostics).</summary>
    internal int PeakConcurrency => Volatile.Read(ref _peakActive);

    /// <summary>The private folder of this converter under <see cref="LibreOfficeOptions.WorkFolder"/>.</summary>
    internal string RootFolder => _root;

    /// <summary>Process ids (helper, soffice.bin) of the running instances, for tests.</summary>
    internal IReadOnlyList<(int HelperPid, int SofficePid)> InstanceProcesses =>
        _slots.Select(s => s.Instance).OfType<OfficeInstance>().Select(i => (i.HelperPid, i.SofficePid)).ToList();

    /// <summary>Prepares the profile and starts every idle instance now, so the first conversions pay no start-up.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when the instances are ready (failures are logged; a later call retries).</returns>
    public async ValueTask WarmUpAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await EnsurePreparedAsync(cancellationToken).ConfigureAwait(false);
        if (_options.ColdMode)
        {
            return;
        }

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
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.InstanceStartFailed(_logger, slot.Index, ex);
            }
            finally
            {
                _idle.Writer.TryWrite(slot);
            }
        })).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<ConversionResult> ConvertAsync(Stream input, Stream output, PdfConversionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        return ConvertCoreAsync(
            input,
            async (pdfPath, ct) =>
            {
                var pdf = File.OpenRead(pdfPath);
                await using (pdf.ConfigureAwait(false))
                {
                    await pdf.CopyToAsync(output, ct).ConfigureAwait(false);
                }
            },
            options,
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task<ConversionResult> ConvertAsync(string inputPath, string outputPath, PdfConversionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputPath);
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        var source = File.OpenRead(inputPath);
        await using (source.ConfigureAwait(false))
        {
            // A move, so outputPath exists only once the whole PDF does.
            return await ConvertCoreAsync(
                source,
                (pdfPath, _) =>
                {
                    File.Move(pdfPath, Path.GetFullPath(outputPath), overwrite: true);
                    return Task.CompletedTask;
                },
                options,
                cancellationToken).ConfigureAwait(false);
        }
    }

    // Both overloads work on a private job folder: the input is copied in under the size limit, converted there, and the
    // PDF handed to deliver before the folder is removed, whatever happened.
    private async Task<ConversionResult> ConvertCoreAsync(Stream input, Func<string, CancellationToken, Task> deliver, PdfConversionOptions? options, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var started = _time.GetTimestamp();
        options ??= PdfConversionOptions.Default;
        await EnsurePreparedAsync(cancellationToken).ConfigureAwait(false);
        var job = CreateJobFolder();
        try
        {
            var inPath = Path.Combine(job, "input");
            var outPath = Path.Combine(job, "output.pdf");
            await CopyLimitedAsync(input, inPath, cancellationToken).ConfigureAwait(false);
            var engine = await ConvertInJobAsync(inPath, outPath, options, cancellationToken).ConfigureAwait(false);
            var bytes = new FileInfo(outPath).Length;
            await deliver(outPath, cancellationToken).ConfigureAwait(false);
            return Finish(bytes, engine, started);
        }
        finally
        {
            OfficeInstance.DeleteDirectory(job);
        }
    }

    private ConversionResult Finish(long bytes, TimeSpan engine, long started)
    {
        var total = _time.GetElapsedTime(started);
        Log.Converted(_logger, bytes, engine.TotalMilliseconds, total.TotalMilliseconds);
        return new ConversionResult(bytes, engine, total);
    }

    private async Task<TimeSpan> ConvertInJobAsync(string inPath, string outPath, PdfConversionOptions options, CancellationToken cancellationToken)
    {
        DocumentFacts facts;
        try
        {
            facts = DocumentInspector.Inspect(inPath, options, _options, cancellationToken);
        }
        catch (DocumentRejectedException ex)
        {
            Log.Rejected(_logger, ex.Kind.ToLabel(), ex.Message);
            throw;
        }

        if (facts.ExternalReferences > 0)
        {
            Log.ExternalReferences(_logger, facts.ExternalReferences);
        }

        var slot = await AcquireAsync(cancellationToken).ConfigureAwait(false);
        var released = false;
        try
        {
            var instance = await EnsureInstanceAsync(slot, cancellationToken).ConfigureAwait(false);
            var request = new HelperRequest(0, facts.DecryptedPath ?? inPath, outPath, facts.FilterName, facts.DecryptedPath is null ? options.Password : null, PdfVersion(options.PdfA), string.IsNullOrWhiteSpace(options.PageRange) ? null : options.PageRange);
            HelperMessage answer;
            var now = Interlocked.Increment(ref _active);
            UpdatePeak(now);
            try
            {
                answer = await instance.ConvertAsync(request, _options.ConversionTimeout, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (InstanceFailedException ex) when (ex.Failure == InstanceFailure.TimedOut)
            {
                Log.ConversionTimedOut(_logger, slot.Index, _options.ConversionTimeout.TotalSeconds);
                released = true;
                Recycle(slot, "timeout");
                throw new ConversionTimeoutException(_options.ConversionTimeout);
            }
            catch (InstanceFailedException ex)
            {
                Log.InstanceCrashed(_logger, slot.Index, ex.Message);
                released = true;
                Recycle(slot, "crash");
                throw new ConversionFailedException(FailureKind.EngineCrashed, "The LibreOffice instance died during the conversion; it was replaced. A retry can succeed.", ex);
            }
            catch (OperationCanceledException)
            {
                released = true;
                Recycle(slot, "cancelled");
                throw;
            }
            finally
            {
                Interlocked.Decrement(ref _active);
            }

            instance.Conversions++;
            instance.Tainted |= facts.EmbedsFonts;
            if (!answer.Ok && answer.Error == "crashed")
            {
                Log.InstanceCrashed(_logger, slot.Index, answer.Message ?? "crashed");
                released = true;
                Recycle(slot, "crash");
                throw new ConversionFailedException(FailureKind.EngineCrashed, "The LibreOffice instance died during the conversion; it was replaced. A retry can succeed.");
            }

            released = true;
            Release(slot);
            if (!answer.Ok)
            {
                Log.EngineRejected(_logger, answer.Error ?? "unknown", answer.Message ?? string.Empty);
                throw answer.Error switch
                {
                    "load" when facts.Encrypted => new DocumentRejectedException(FailureKind.PasswordProtected, "The document is password-protected and the supplied password does not open it."),
                    "load" => new DocumentRejectedException(FailureKind.InvalidDocument, "LibreOffice could not read the document; it is corrupt or not of its declared type."),
                    _ => new ConversionFailedException(FailureKind.ConversionFailed, "LibreOffice read the document but could not export it to PDF."),
                };
            }

            VerifyPdf(outPath);
            return TimeSpan.FromMilliseconds(answer.EngineMs);
        }
        finally
        {
            if (!released)
            {
                Release(slot);
            }
        }
    }

    private static int PdfVersion(PdfAConformance pdfA) => pdfA switch
    {
        PdfAConformance.PdfA1b => 1,
        PdfAConformance.PdfA2b => 2,
        PdfAConformance.PdfA3b => 3,
        _ => 0,
    };

    private static void VerifyPdf(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.Length < 5)
        {
            throw new ConversionFailedException(FailureKind.ConversionFailed, "LibreOffice reported success but wrote no PDF.");
        }

        Span<byte> head = stackalloc byte[5];
        using var f = File.OpenRead(path);
        f.ReadExactly(head);
        if (!head.SequenceEqual("%PDF-"u8))
        {
            throw new ConversionFailedException(FailureKind.ConversionFailed, "LibreOffice wrote a file that is not a PDF.");
        }
    }

    private async Task CopyLimitedAsync(Stream input, string path, CancellationToken cancellationToken)
    {
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
        await using (file.ConfigureAwait(false))
        {
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(81920);
            try
            {
                long total = 0;
                int read;
                while ((read = await input.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    total += read;
                    if (total > _options.MaxInputBytes)
                    {
                        throw new DocumentRejectedException(FailureKind.DocumentTooLarge, $"The document is larger than {LibreOfficeOptions.SectionName}:MaxInputBytes ({_options.MaxInputBytes} bytes).");
                    }

                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private string CreateJobFolder()
    {
        var job = Path.Combine(_root, "jobs", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(job);
        return job;
    }

    private void UpdatePeak(int now)
    {
        int peak;
        while (now > (peak = Volatile.Read(ref _peakActive)) && Interlocked.CompareExchange(ref _peakActive, now, peak) != peak)
        {
        }
    }

    private async Task<Slot> AcquireAsync(CancellationToken cancellationToken)
    {
        if (_idle.Reader.TryRead(out var slot))
        {
            return slot;
        }

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

    private async Task<OfficeInstance> EnsureInstanceAsync(Slot slot, CancellationToken cancellationToken)
    {
        if (slot.Instance is { IsAlive: true } running)
        {
            return running;
        }

        if (slot.Instance is { } dead)
        {
            slot.Instance = null;
            Log.InstanceCrashed(_logger, slot.Index, "found dead while idle");
            await dead.DisposeAsync().ConfigureAwait(false);
        }

        await EnsurePreparedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var instance = await OfficeInstance.StartAsync(_installation!, _helperScript!, _template!, Path.Combine(_root, $"instance-{slot.Index}"),
                slot.Index, _options.StartTimeout, _logger, cancellationToken).ConfigureAwait(false);
            slot.Instance = instance;
            Log.InstanceStarted(_logger, slot.Index, instance.SofficePid, instance.StartDuration.TotalMilliseconds);
            return instance;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException)
        {
            Log.InstanceStartFailed(_logger, slot.Index, ex);
            throw new ConversionFailedException(FailureKind.EngineCrashed, "A LibreOffice instance could not be started. A retry can succeed.", ex);
        }
    }

    /// <summary>Returns a healthy instance to the pool, or replaces it first when it has done its share.</summary>
    private void Release(Slot slot)
    {
        var instance = slot.Instance;
        if (instance is null || !instance.IsAlive)
        {
            Recycle(slot, "dead");
        }
        else if (_options.ColdMode)
        {
            Recycle(slot, "cold mode");
        }
        else if (instance.Tainted)
        {
            Recycle(slot, "embedded fonts");
        }
        else if (instance.Conversions >= _options.MaxConversionsPerInstance)
        {
            Recycle(slot, "conversion count");
        }
        else if (instance.ReadRssBytes() is { } rss && rss > _options.MaxInstanceMemoryMegabytes * 1024L * 1024L)
        {
            Recycle(slot, "memory");
        }
        else
        {
            _idle.Writer.TryWrite(slot);
        }
    }

    /// <summary>Ends the slot's instance and, in warm mode, starts its successor before the slot is free again.</summary>
    private void Recycle(Slot slot, string reason)
    {
        var old = slot.Instance;
        slot.Instance = null;
        if (old is not null)
        {
            Log.InstanceRecycled(_logger, slot.Index, reason, old.Conversions);
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

    private async Task EnsurePreparedAsync(CancellationToken cancellationToken)
    {
        if (_template is not null)
        {
            return;
        }

        await _prepareLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_template is not null)
            {
                return;
            }

            var started = Stopwatch.GetTimestamp();
            var installation = LibreOfficeInstallation.Locate(_options);
            RemoveFoldersOfDeadProcesses(Path.GetDirectoryName(_root)!);
            Directory.CreateDirectory(_root);
            var script = Path.Combine(_root, "docx2pdf_uno_helper.py");
            var resource = typeof(LibreOfficeConverter).Assembly.GetManifestResourceStream(HelperResource)
                ?? throw new InvalidOperationException("The UNO helper script is missing from the assembly.");
            await using (resource.ConfigureAwait(false))
            {
                var file = File.Create(script);
                await using (file.ConfigureAwait(false))
                {
                    await resource.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                }
            }

            var template = Path.Combine(_root, "profile-template");
            await installation.PrepareProfileAsync(template, Path.Combine(_root, "profile-template-tmp"), _options.StartTimeout, cancellationToken).ConfigureAwait(false);
            OfficeInstance.DeleteDirectory(Path.Combine(_root, "profile-template-tmp"));
            _installation = installation;
            _helperScript = script;
            _template = template;
            Log.Prepared(_logger, installation.Version, installation.SofficeBin, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        finally
        {
            _prepareLock.Release();
        }
    }

    /// <summary>Removes work folders (named "pid-id") left by converters whose process died without disposing them.</summary>
    private static void RemoveFoldersOfDeadProcesses(string workFolder)
    {
        if (!Directory.Exists(workFolder))
        {
            return;
        }

        foreach (var dir in Directory.EnumerateDirectories(workFolder))
        {
            var name = Path.GetFileName(dir);
            var dash = name.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0 && int.TryParse(name.AsSpan(0, dash), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid) &&
                pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}") && File.Exists(Path.Combine(dir, "docx2pdf_uno_helper.py")))
            {
                OfficeInstance.DeleteDirectory(dir);
            }
        }
    }

    /// <summary>Stops every instance (no LibreOffice process survives) and removes the converter's work folder.</summary>
    /// <returns>A task that completes when everything is gone.</returns>
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
        OfficeInstance.DeleteDirectory(_root);
        _prepareLock.Dispose();
    }

    /// <summary>Synchronous <see cref="DisposeAsync"/>, for containers disposed synchronously; prefer <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private sealed class Slot(int index)
    {
        public OfficeInstance? InstanceField;

        public int Index { get; } = index;

        public OfficeInstance? Instance
        {
            get => Volatile.Read(ref InstanceField);
            set => Volatile.Write(ref InstanceField, value);
        }
    }
}
