using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.IO.Compression;
using Docx2Pdf.Diagnostics;
using Docx2Pdf.Readiness;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.Conversion;

/// <summary>
/// Converts documents with a pool of warm LibreOffice instances driven over UNO (one small Python helper per
/// instance). Checks inputs before LibreOffice sees them, bounds the wait queue, kills and replaces instances that
/// time out, crash, pass their memory cap, grow too large or took fonts from a document, and leaves no process or file behind.
/// </summary>
public sealed class LibreOfficeConverter : IDocumentConverter, IWarmConverter, IAsyncDisposable, IDisposable
{
    private const string HelperResource = "Docx2Pdf.Conversion.docx2pdf_uno_helper.py";

    private readonly LibreOfficeOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConverterWorkspace _workspace;
    private readonly ConverterMetrics _metrics;
    private readonly OfficePool _pool;
    private readonly SemaphoreSlim _prepareLock = new(1, 1);
    private Prepared? _prepared;
    private int _disposed;

    /// <summary>Creates the converter; no process starts until <see cref="WarmUpAsync"/> or the first conversion.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="timeProvider">The clock for queue and conversion timeouts.</param>
    public LibreOfficeConverter(IOptions<LibreOfficeOptions> options, ILogger<LibreOfficeConverter> logger, TimeProvider timeProvider)
        : this(options, logger, timeProvider, meterFactory: null)
    {
    }

    /// <summary>Creates the converter from plain options, for use without dependency injection.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="logger">The logger; <see langword="null"/> logs nothing.</param>
    public LibreOfficeConverter(LibreOfficeOptions options, ILogger<LibreOfficeConverter>? logger = null)
        : this(Options.Create(options ?? throw new ArgumentNullException(nameof(options))), logger ?? NullLogger<LibreOfficeConverter>.Instance, TimeProvider.System)
    {
    }

    internal LibreOfficeConverter(IOptions<LibreOfficeOptions> options, ILogger<LibreOfficeConverter> logger, TimeProvider timeProvider, IMeterFactory? meterFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options.Value;
        var validation = LibreOfficeOptionsRulesValidator.ValidateAll(_options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(LibreOfficeOptions.SectionName, typeof(LibreOfficeOptions), validation.Failures);
        }

        _logger = logger;
        _time = timeProvider;
        _workspace = new ConverterWorkspace(_options.WorkFolder);
        _metrics = new ConverterMetrics(meterFactory);
        _pool = new OfficePool(_options, StartInstanceAsync, _logger, _time, _metrics);
        _metrics.Observe(_pool);
    }

    /// <summary>The configured number of instances.</summary>
    public int PoolSize => _pool.Size;

    /// <summary>Instances whose LibreOffice is running now (busy or idle); cheap enough for a health check.</summary>
    public int ReadyInstances => _pool.ReadyInstances;

    /// <summary>Most conversions that ran at the same time since start (for tests and diagnostics).</summary>
    internal int PeakConcurrency => _pool.PeakConcurrency;

    /// <summary>The private folder of this converter under <see cref="LibreOfficeOptions.WorkFolder"/>.</summary>
    internal string RootFolder => _workspace.Root;

    /// <summary>Process ids (helper, soffice.bin) of the running instances, for tests.</summary>
    internal IReadOnlyList<(int HelperPid, int SofficePid)> InstanceProcesses => _pool.Instances.Select(i => (i.HelperPid, i.SofficePid)).ToList();

    /// <summary>Prepares the profile and starts every idle instance now, so the first conversions pay no start-up.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when the instances are ready (failures are logged; a later call retries).</returns>
    public async ValueTask WarmUpAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await EnsurePreparedAsync(cancellationToken).ConfigureAwait(false);
        if (!_options.ColdMode)
        {
            await _pool.WarmUpAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Prepares the LibreOffice profile every instance starts from into <see cref="LibreOfficeOptions.ProfileTemplateFolder"/>
    /// and returns, starting no instance: run it once while a container image is built (the sample host's
    /// <c>--prepare-profile</c>), and every start of a converter configured with the same folder skips preparing one.
    /// Unlike a converter, which falls back to a private profile, this fails when the folder cannot be prepared.
    /// </summary>
    /// <param name="options">The settings; <see cref="LibreOfficeOptions.ProfileTemplateFolder"/> is required.</param>
    /// <param name="cancellationToken">Cancels the preparation.</param>
    /// <returns>A task that completes when the folder holds a profile prepared for this LibreOffice.</returns>
    public static async Task PrepareProfileTemplateAsync(LibreOfficeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ProfileTemplateFolder))
        {
            throw new ArgumentException($"{LibreOfficeOptions.SectionName}:{nameof(LibreOfficeOptions.ProfileTemplateFolder)} names the folder to prepare; it is not set.", nameof(options));
        }

        var installation = LibreOfficeInstallation.Locate(options);
        var folder = Path.GetFullPath(options.ProfileTemplateFolder);
        if (PreparedProfile.IsPreparedFor(folder, installation))
        {
            return;
        }

        var workspace = new ConverterWorkspace(options.WorkFolder);
        workspace.CreateRoot();
        try
        {
            var scratch = workspace.CreateFolder("profile-template-tmp");
            await PreparedProfile.PrepareAsync(installation, folder, scratch, options.StartTimeout, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            workspace.DeleteRoot();
        }
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
        try
        {
            await EnsurePreparedAsync(cancellationToken).ConfigureAwait(false);
            var job = _workspace.CreateJobFolder();
            try
            {
                var inPath = Path.Combine(job, "input");
                var outPath = Path.Combine(job, "output.pdf");
                await CopyLimitedAsync(input, inPath, cancellationToken).ConfigureAwait(false);
                var engine = await ConvertInJobAsync(inPath, outPath, options, cancellationToken).ConfigureAwait(false);
                var bytes = new FileInfo(outPath).Length;
                await deliver(outPath, cancellationToken).ConfigureAwait(false);
                var total = _time.GetElapsedTime(started);
                Log.Converted(_logger, bytes, engine.TotalMilliseconds, total.TotalMilliseconds);
                return new ConversionResult(bytes, engine, total);
            }
            finally
            {
                ConverterWorkspace.Delete(job);
            }
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or StorageException) && (ConverterWorkspace.IsNoSpace(ex) || _workspace.IsFull()))
        {
            // A full work folder surfaces as ENOSPC from our own writes, or as whatever LibreOffice makes of it: a load or
            // store error, a crash, an instance that cannot start. None of it is the document's fault, so none of it may
            // become a failure record or count toward a retry ceiling: checked here, where the work folder is known.
            Log.WorkFolderFull(_logger, _workspace.WorkFolder, _workspace.FreeBytes() ?? 0, ex is Docx2PdfException d ? d.Kind.ToLabel() : ex.GetType().Name);
            throw _workspace.Full(ex);
        }
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

        var slot = await _pool.AcquireAsync(cancellationToken).ConfigureAwait(false);
        var request = new UnoHelperRequest(0, facts.DecryptedPath ?? inPath, outPath, facts.FilterName, facts.DecryptedPath is null ? options.Password : null,
            PdfVersion(options.PdfA), string.IsNullOrWhiteSpace(options.PageRange) ? null : options.PageRange);
        UnoHelperReply answer;
        try
        {
            var instance = await _pool.EnsureInstanceAsync(slot, cancellationToken).ConfigureAwait(false);
            _pool.MarkConverting(slot);
            answer = await instance.ConvertAsync(request, _options.ConversionTimeout, _options.InstanceMemoryLimitBytes, _time, cancellationToken).ConfigureAwait(false);
            instance.Conversions++;
            instance.Tainted |= facts.EmbedsFonts;
        }
        catch (InstanceFailedException ex) when (ex.Failure == InstanceFailure.TimedOut)
        {
            Log.ConversionTimedOut(_logger, slot.Index, _options.ConversionTimeout.TotalSeconds);
            _pool.Recycle(slot, RecycleReason.TimedOut);
            throw new ConversionTimeoutException(_options.ConversionTimeout);
        }
        catch (InstanceFailedException ex) when (ex.Failure == InstanceFailure.MemoryCapExceeded)
        {
            Log.MemoryCapExceeded(_logger, slot.Index, _options.InstanceMemoryLimitBytes);
            _pool.Recycle(slot, RecycleReason.MemoryCap);
            throw new ConversionFailedException(FailureKind.TooComplex, $"Rendering the document took LibreOffice past its memory cap ({LibreOfficeOptions.SectionName}:InstanceMemoryLimitBytes = {_options.InstanceMemoryLimitBytes}); the instance was replaced.");
        }
        catch (InstanceFailedException ex)
        {
            Log.InstanceCrashed(_logger, slot.Index, ex.Message);
            _pool.Recycle(slot, RecycleReason.Crashed);
            throw new ConversionFailedException(FailureKind.EngineCrashed, "The LibreOffice instance died during the conversion; it was replaced. A retry can succeed.", ex);
        }
        catch (OperationCanceledException)
        {
            _pool.Recycle(slot, RecycleReason.Cancelled);
            throw;
        }
        catch
        {
            _pool.Release(slot);
            throw;
        }

        if (!answer.Ok && answer.Error == "crashed")
        {
            Log.InstanceCrashed(_logger, slot.Index, answer.Message ?? "crashed");
            _pool.Recycle(slot, RecycleReason.Crashed);
            throw new ConversionFailedException(FailureKind.EngineCrashed, "The LibreOffice instance died during the conversion; it was replaced. A retry can succeed.");
        }

        _pool.Release(slot);
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
        var file = ConverterWorkspace.CreatePrivateFile(path);
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

    private Task<OfficeInstance> StartInstanceAsync(int slot, CancellationToken cancellationToken)
    {
        var prepared = _prepared ?? throw new InvalidOperationException("The converter is not prepared.");
        return OfficeInstance.StartAsync(prepared.Installation, _workspace, prepared.ProfileTemplate, slot, _options, _options.WarmUpConversion ? prepared.WarmUpDocument : null, _time, _logger, cancellationToken);
    }

    private async Task EnsurePreparedAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _prepared) is not null)
        {
            return;
        }

        await _prepareLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_prepared is not null)
            {
                return;
            }

            var started = Stopwatch.GetTimestamp();
            var installation = LibreOfficeInstallation.Locate(_options);
            var resource = typeof(LibreOfficeConverter).Assembly.GetManifestResourceStream(HelperResource)
                ?? throw new InvalidOperationException("The UNO helper script is missing from the assembly.");
            await using (resource.ConfigureAwait(false))
            {
                await _workspace.CreateAsync(resource, cancellationToken).ConfigureAwait(false);
            }

            var template = await PrepareProfileAsync(installation, cancellationToken).ConfigureAwait(false);
            var warmUp = Path.Combine(_workspace.Root, "warm-up.docx");
            WriteWarmUpDocument(warmUp);
            Volatile.Write(ref _prepared, new Prepared(installation, template, warmUp));
            Log.Prepared(_logger, installation.Version, installation.SofficeBin, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        finally
        {
            _prepareLock.Release();
        }
    }

    /// <summary>
    /// The profile every instance copies: the configured <see cref="LibreOfficeOptions.ProfileTemplateFolder"/> when it
    /// holds one prepared for this LibreOffice (or can be prepared there now, e.g. during an image build), otherwise one
    /// prepared in the private root.
    /// </summary>
    private async Task<string> PrepareProfileAsync(LibreOfficeInstallation installation, CancellationToken cancellationToken)
    {
        if (_options.ProfileTemplateFolder is { Length: > 0 } configured)
        {
            var folder = Path.GetFullPath(configured);
            if (PreparedProfile.IsPreparedFor(folder, installation))
            {
                Log.ProfileReused(_logger, folder);
                return folder;
            }

            try
            {
                var scratch = _workspace.CreateFolder("profile-template-tmp");
                await PreparedProfile.PrepareAsync(installation, folder, scratch, _options.StartTimeout, _time, cancellationToken).ConfigureAwait(false);
                ConverterWorkspace.Delete(scratch);
                return folder;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                Log.ProfileFolderUnusable(_logger, folder, ex.Message);
            }
        }

        var tmp = _workspace.CreateFolder("profile-template-tmp");
        await PreparedProfile.PrepareAsync(installation, _workspace.ProfileTemplate, tmp, _options.StartTimeout, _time, cancellationToken).ConfigureAwait(false);
        ConverterWorkspace.Delete(tmp);
        return _workspace.ProfileTemplate;
    }

    /// <summary>A one-paragraph .docx, converted by every instance before it counts as ready.</summary>
    private static void WriteWarmUpDocument(string path)
    {
        using var file = ConverterWorkspace.CreatePrivateFile(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        void Part(string name, string xml)
        {
            using var writer = new StreamWriter(zip.CreateEntry(name, CompressionLevel.Fastest).Open());
            writer.Write(xml);
        }

        Part("[Content_Types].xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">" +
            "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/>" +
            "<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>");
        Part("_rels/.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">" +
            "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>");
        Part("word/document.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">" +
            "<w:body><w:p><w:r><w:rPr><w:b/></w:rPr><w:t>Warm-up</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc></w:tr></w:tbl><w:p/></w:body></w:document>");
    }

    /// <summary>Stops every instance (no LibreOffice process survives) and removes the converter's work folder.</summary>
    /// <returns>A task that completes when everything is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _pool.DisposeAsync().ConfigureAwait(false);
        _workspace.DeleteRoot();
        _metrics.Dispose();
        _prepareLock.Dispose();
    }

    /// <summary>Synchronous <see cref="DisposeAsync"/>, for containers disposed synchronously; prefer <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private sealed record Prepared(LibreOfficeInstallation Installation, string ProfileTemplate, string WarmUpDocument);
}
