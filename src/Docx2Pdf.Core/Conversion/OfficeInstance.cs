using Microsoft.Extensions.Logging;

namespace Docx2Pdf.Conversion;

/// <summary>
/// One warm LibreOffice: its processes (<see cref="OfficeProcess"/>), the conversation with its helper
/// (<see cref="UnoHelperConnection"/>) and its private folder (profile, TMPDIR). One conversion at a time; a conversion
/// that runs too long or takes soffice.bin past the memory cap kills the instance.
/// </summary>
internal sealed class OfficeInstance : IAsyncDisposable
{
    private static readonly TimeSpan MemoryPollInterval = TimeSpan.FromMilliseconds(50);

    private readonly OfficeProcess _process;
    private readonly UnoHelperConnection _connection;
    private readonly string _folder;
    private readonly string _profile;
    private readonly ILogger _logger;
    private int _disposed;

    private OfficeInstance(OfficeProcess process, string folder, string profile, int slot, ILogger logger)
    {
        _process = process;
        _connection = new UnoHelperConnection(process.Input, process.Output);
        _folder = folder;
        _profile = profile;
        _logger = logger;
        Slot = slot;
    }

    public int Slot { get; }

    public int HelperPid => _process.HelperPid;

    public int SofficePid => _process.SofficePid;

    public int Conversions { get; set; }

    /// <summary>From helper start to soffice.bin accepting UNO calls.</summary>
    public TimeSpan StartDuration { get; private set; }

    /// <summary>The built-in warm-up conversion run before the instance counts as ready (zero without one).</summary>
    public TimeSpan WarmUpDuration { get; private set; }

    /// <summary>Set when a converted document was seen (by its structure) to embed fonts: the instance is not reused.</summary>
    public bool Tainted { get; set; }

    /// <summary>Both processes still run.</summary>
    public bool IsAlive => Volatile.Read(ref _disposed) == 0 && _process.IsAlive;

    /// <summary>
    /// Starts the helper and soffice.bin on a copy of <paramref name="templateProfile"/>, waits until it accepts UNO calls,
    /// then converts <paramref name="warmUpDocument"/> (when given) so the first real document does not pay for loading
    /// the Writer and PDF export code.
    /// </summary>
    public static async Task<OfficeInstance> StartAsync(LibreOfficeInstallation installation, ConverterWorkspace workspace, string templateProfile,
        int slot, LibreOfficeOptions options, string? warmUpDocument, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        // Fresh every start: a profile or TMPDIR left by a killed instance (lu*.tmp folders, locks, fonts) is wiped.
        var folder = workspace.CreateInstanceFolder(slot);
        var profile = Path.Combine(folder, "profile");
        var tmp = Path.Combine(folder, "tmp");
        ConverterWorkspace.CopyTree(templateProfile, profile);
        ConverterWorkspace.CreatePrivateFolder(tmp);

        var process = OfficeProcess.Start(installation, workspace.HelperScript, folder, profile, tmp, options.StartTimeout, AddressSpaceLimit(options.InstanceMemoryLimitBytes));
        var instance = new OfficeInstance(process, folder, profile, slot, logger);
        try
        {
            var ready = await instance._connection.Ready.WaitAsync(options.StartTimeout + TimeSpan.FromSeconds(2), time, cancellationToken).ConfigureAwait(false);
            process.SofficePid = ready.SofficePid;
            instance.StartDuration = TimeSpan.FromMilliseconds(ready.StartMs);
            if (warmUpDocument is not null)
            {
                var started = time.GetTimestamp();
                var pdf = Path.Combine(tmp, "warm-up.pdf");
                var reply = await instance.ConvertAsync(new UnoHelperRequest(0, warmUpDocument, pdf, "MS Word 2007 XML", null, 0, null), options.StartTimeout, options.InstanceMemoryLimitBytes, time, cancellationToken).ConfigureAwait(false);
                if (!reply.Ok)
                {
                    throw new InvalidOperationException($"LibreOffice could not convert the built-in warm-up document ({reply.Error}: {reply.Message}).");
                }

                File.Delete(pdf);
                instance.WarmUpDuration = time.GetElapsedTime(started);
            }

            return instance;
        }
        catch (InstanceFailedException ex)
        {
            await instance.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException("LibreOffice failed during its warm-up conversion: " + ex.Message, ex);
        }
        catch
        {
            await instance.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// soffice.bin's address-space limit for a resident-memory cap: the cap plus room for what is mapped but not resident
    /// (about 0.6-0.9 GB of libraries and reservations, measured on 7.4 and 25.2). It is only the backstop for one huge
    /// allocation; the cap itself is enforced on private resident memory, which ends the conversion with a typed failure.
    /// </summary>
    internal static long AddressSpaceLimit(long memoryCap) => memoryCap <= 0 ? 0 : memoryCap + (2L << 30);

    /// <summary>
    /// Sends one request and waits for its reply, the instance's death, the timeout or soffice.bin's private resident
    /// memory passing <paramref name="memoryCap"/> (each of the last two kills the instance).
    /// </summary>
    public async Task<UnoHelperReply> ConvertAsync(UnoHelperRequest request, TimeSpan timeout, long memoryCap, TimeProvider time, CancellationToken cancellationToken)
    {
        var reply = await _connection.SendAsync(request, cancellationToken).ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timedOut = Task.Delay(timeout, time, stop.Token);
        var overCap = memoryCap > 0 ? WatchMemoryAsync(memoryCap, time, stop.Token) : Task.Delay(Timeout.InfiniteTimeSpan, stop.Token);
        try
        {
            var first = await Task.WhenAny(reply, timedOut, overCap).ConfigureAwait(false);
            if (first == reply)
            {
                return await reply.ConfigureAwait(false);
            }

            // A UNO call cannot be aborted: the only way to stop the work is to end the instance.
            _ = reply.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            await _process.KillAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw first == timedOut
                ? new InstanceFailedException(InstanceFailure.TimedOut, "The conversion timed out.")
                : new InstanceFailedException(InstanceFailure.MemoryCapExceeded, $"soffice.bin went past the memory cap of {memoryCap} bytes.");
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Completes when soffice.bin's private resident memory (<see cref="ProcFs.ReadPrivateBytes"/>) passes <paramref name="memoryCap"/>.</summary>
    private async Task WatchMemoryAsync(long memoryCap, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(MemoryPollInterval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            if (ProcFs.ReadPrivateBytes(SofficePid) > memoryCap)
            {
                return;
            }
        }
    }

    /// <summary>Private resident memory of soffice.bin in bytes (<see cref="ProcFs.ReadPrivateBytes"/>), or null when it is gone.</summary>
    public long? ReadPrivateBytes() => ProcFs.ReadPrivateBytes(SofficePid);

    /// <summary>
    /// True when LibreOffice holds fonts taken from a document: it writes them under the profile's
    /// <c>user/temp/embeddedfonts/</c> (<c>fromdocs</c>, <c>fromsystem</c>) and keeps them active for every later
    /// document of this process, whatever path the document used to smuggle them in.
    /// </summary>
    public bool HoldsDocumentFonts()
    {
        var fonts = Path.Combine(_profile, "user", "temp", "embeddedfonts");
        try
        {
            return Directory.Exists(fonts) && Directory.EnumerateFiles(fonts, "*", SearchOption.AllDirectories).Any();
        }
        catch (IOException)
        {
            return true; // Unreadable: assume the worst, the instance is replaced.
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await _process.DisposeAsync().ConfigureAwait(false);
            await _connection.Completion.ConfigureAwait(false);
        }
        finally
        {
            ConverterWorkspace.Delete(_folder);
            Log.InstanceStopped(_logger, Slot, SofficePid);
        }
    }
}
