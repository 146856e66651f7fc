using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Docx2Pdf.Conversion;

/// <summary>
/// The processes of one instance: the Python UNO helper (leader of its own process group) and the soffice.bin it starts.
/// Starts them with a minimal environment, ends them by killing the whole group, and reaps them so no zombie stays.
/// </summary>
internal sealed class OfficeProcess : IAsyncDisposable
{
    private readonly Process _helper;
    private readonly string _profileUrl;
    private readonly string _pipeName;
    private int _disposed;

    private OfficeProcess(Process helper, string profileUrl, string pipeName)
    {
        _helper = helper;
        _profileUrl = profileUrl;
        _pipeName = pipeName;
        HelperPid = helper.Id;
        _ = helper.StandardError.ReadToEndAsync(); // Only Python tracebacks; drained so the pipe never blocks.
    }

    public int HelperPid { get; }

    /// <summary>soffice.bin's id, known once the helper reported it ready.</summary>
    public int SofficePid { get; set; }

    /// <summary>The helper's stdin: one request line per conversion; closing it asks the helper to stop.</summary>
    public StreamWriter Input => _helper.StandardInput;

    /// <summary>The helper's stdout: start events and replies.</summary>
    public StreamReader Output => _helper.StandardOutput;

    /// <summary>Both processes still run (a killed, unreaped soffice.bin counts as dead).</summary>
    public bool IsAlive => Volatile.Read(ref _disposed) == 0 && !_helper.HasExited && ProcFs.IsRunning(SofficePid);

    /// <summary>Starts the helper, which starts soffice.bin on <paramref name="profile"/> with <paramref name="tmp"/> as TMPDIR.</summary>
    public static OfficeProcess Start(LibreOfficeInstallation installation, string helperScript, string instanceFolder, string profile, string tmp,
        TimeSpan startTimeout, long addressSpaceLimitBytes)
    {
        var profileUrl = new Uri(profile).AbsoluteUri;
        var pipeName = "docx2pdf_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var start = new UnoHelperStart(installation.SofficeBin, profileUrl, tmp, pipeName, startTimeout.TotalSeconds, addressSpaceLimitBytes);
        var psi = new ProcessStartInfo(installation.Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = tmp,
            StandardOutputEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add("-u");
        psi.ArgumentList.Add(helperScript);
        psi.ArgumentList.Add(JsonSerializer.Serialize(start, UnoHelperJsonContext.Default.UnoHelperStart));
        OfficeEnvironment.Apply(psi.Environment, instanceFolder, tmp);
        psi.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        psi.Environment["PYTHONPATH"] = installation.PythonModules;

        var process = Process.Start(psi) ?? throw new InvalidOperationException("The LibreOffice helper did not start.");
        return new OfficeProcess(process, profileUrl, pipeName);
    }

    /// <summary>Kills soffice.bin first (its parent, the helper, reaps it), then the whole process group, and reaps the helper.</summary>
    public async Task KillAsync()
    {
        NativeMethods.KillProcess(SofficePid, NativeMethods.SIGKILL);
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await _helper.WaitForExitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        NativeMethods.KillGroup(HelperPid, NativeMethods.SIGKILL);
        await _helper.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Asks the helper to stop (stdin closed: it kills and reaps soffice.bin), kills the group after a grace period, reaps.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_helper.HasExited)
            {
                try
                {
                    _helper.StandardInput.Close();
                }
                catch (IOException)
                {
                }

                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                try
                {
                    await _helper.WaitForExitAsync(grace.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    await KillAsync().ConfigureAwait(false);
                }
            }

            NativeMethods.KillGroup(HelperPid, NativeMethods.SIGKILL);
            await _helper.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _helper.Dispose();
            RemovePipeSockets();
        }
    }

    /// <summary>LibreOffice's pipe sockets live in /tmp whatever TMPDIR says; a killed instance leaves them behind.</summary>
    private void RemovePipeSockets()
    {
        var uid = NativeMethods.EffectiveUserId().ToString(CultureInfo.InvariantCulture);
#pragma warning disable CA5351 // Not security: MD5 is how LibreOffice names its per-profile IPC pipe.
        // LibreOffice writes each byte in hex without a leading zero.
        var ipcHash = string.Concat(MD5.HashData(Encoding.Unicode.GetBytes(_profileUrl)).Select(b => b.ToString("x", CultureInfo.InvariantCulture)));
#pragma warning restore CA5351
        foreach (var name in new[] { $"OSL_PIPE_{uid}_{_pipeName}", $"OSL_PIPE_{uid}_SingleOfficeIPC_{ipcHash}" })
        {
            try
            {
                File.Delete(Path.Combine("/tmp", name));
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
