using System.Diagnostics;
using System.Globalization;
using System.Security;
using System.Security.Cryptography;

namespace Docx2Pdf.Conversion;

/// <summary>
/// The LibreOffice user profile every instance starts from, prepared once: product version recorded (skips the
/// rendering self-test of every start), links from untrusted documents blocked, no macros, recovery or auto-save, and
/// LibreOffice's first-start work (extension registration) already done, which would otherwise end the first start
/// with exit 81. A folder prepared once (for example while an image is built) is reused by every later start.
/// </summary>
internal static class PreparedProfile
{
    /// <summary>Written last into a prepared profile: the soffice.bin and version it was prepared for.</summary>
    internal const string MarkerFile = ".docx2pdf-profile";

    private const uint GroupOrOtherWrite = 0b000_010_010;

    /// <summary>LibreOffice's EXITHELPER_NORMAL_RESTART: first-start work done, start again.</summary>
    private const int RestartRequired = 81;

    private const int MaxAttempts = 10;

    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(4);

    /// <summary>True when <paramref name="folder"/> holds a profile prepared for <paramref name="installation"/> that
    /// only its owner (this user or root) can change.</summary>
    public static bool IsPreparedFor(string folder, LibreOfficeInstallation installation)
    {
        var marker = Path.Combine(folder, MarkerFile);
        return File.Exists(marker) &&
            File.ReadAllText(marker) == MarkerText(installation) &&
            NativeMethods.TryGetOwnerAndMode(folder, out var uid, out var mode) &&
            (uid == NativeMethods.EffectiveUserId() || uid == 0) &&
            (mode & GroupOrOtherWrite) == 0;
    }

    /// <summary>Prepares a profile into <paramref name="profileDir"/> (replacing an earlier prepared one), via a sibling
    /// folder moved into place at the end, so a reader never sees half a profile.</summary>
    public static async Task PrepareAsync(LibreOfficeInstallation installation, string profileDir, string tmpDir, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Directory.Exists(profileDir) && Directory.EnumerateFileSystemEntries(profileDir).Any() && !File.Exists(Path.Combine(profileDir, MarkerFile)))
        {
            throw new InvalidOperationException($"'{profileDir}' is not empty and holds no prepared profile; refusing to replace it.");
        }

        var parent = Path.GetDirectoryName(Path.GetFullPath(profileDir))!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(profileDir)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}");
        try
        {
            var user = Path.Combine(staging, "user");
            ConverterWorkspace.CreatePrivateFolder(user);
            await WriteAsync(Path.Combine(user, "registrymodifications.xcu"), RegistryModifications(installation.Version), cancellationToken).ConfigureAwait(false);
            await RunFirstStartAsync(installation, staging, tmpDir, timeout, time, cancellationToken).ConfigureAwait(false);
            await WriteAsync(Path.Combine(staging, MarkerFile), MarkerText(installation), cancellationToken).ConfigureAwait(false);
            ConverterWorkspace.Delete(profileDir);
            Directory.Move(staging, profileDir);
        }
        finally
        {
            ConverterWorkspace.Delete(staging);
        }
    }

    /// <summary>
    /// Runs <c>soffice.bin --terminate_after_init</c> on the profile until it exits 0, within <paramref name="timeout"/> for all
    /// attempts together. Exit 81 ("restart required" after first-start work) is expected once and retried at once; any
    /// other failure is retried after a pause that doubles (0.25 s up to 4 s): on a machine that is momentarily short of
    /// memory or processes every start can fail within a fraction of a second, and back-to-back retries all land in the
    /// same squeeze (seen as five failures within one second beside another LibreOffice-heavy run).
    /// </summary>
    private static async Task RunFirstStartAsync(LibreOfficeInstallation installation, string profileDir, string tmpDir, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(installation.SofficeBin)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--headless", "--invisible", "--nologo", "--norestore", "--nolockcheck", "--terminate_after_init", "-env:UserInstallation=" + new Uri(profileDir).AbsoluteUri })
        {
            psi.ArgumentList.Add(a);
        }

        OfficeEnvironment.Apply(psi.Environment, tmpDir, tmpDir);
        var begun = time.GetTimestamp();
        var pause = FirstPause;
        var restarts = 0;
        // Exit codes, durations and the end of stderr of every attempt, so a failure says what LibreOffice said.
        var attempts = new List<string>();
        while (attempts.Count < MaxAttempts)
        {
            var remaining = timeout - time.GetElapsedTime(begun);
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            var started = time.GetTimestamp();
            using var p = Process.Start(psi)!;
            _ = p.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = p.StandardError.ReadToEndAsync(cancellationToken);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(remaining);
            try
            {
                await p.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                p.Kill(entireProcessTree: true);
                await p.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                throw;
            }

            if (p.ExitCode == 0)
            {
                return;
            }

            var text = (await stderr.ConfigureAwait(false)).Trim();
            var seconds = time.GetElapsedTime(started).TotalSeconds;
            attempts.Add(string.Create(CultureInfo.InvariantCulture, $"exit {p.ExitCode} after {seconds:0.00} s{(text.Length == 0 ? string.Empty : ": " + text[Math.Max(0, text.Length - 200)..])}"));

            // 81 = "restart required" after first-start work; the next run on the same profile is clean.
            if (p.ExitCode == RestartRequired && restarts++ == 0)
            {
                continue;
            }

            if (time.GetElapsedTime(begun) + pause >= timeout)
            {
                break;
            }

            await Task.Delay(pause, time, cancellationToken).ConfigureAwait(false);
            pause = pause * 2 < MaxPause ? pause * 2 : MaxPause;
        }

        throw new InvalidOperationException(
            "LibreOffice could not prepare a user profile (soffice.bin --terminate_after_init kept failing: " + string.Join("; ", attempts) + "). " + LibreOfficeInstallation.InstallHint);
    }

    private static async Task WriteAsync(string path, string text, CancellationToken cancellationToken)
    {
        var file = ConverterWorkspace.CreatePrivateFile(path);
        await using (file.ConfigureAwait(false))
        {
            var writer = new StreamWriter(file);
            await using (writer.ConfigureAwait(false))
            {
                await writer.WriteAsync(text.AsMemory(), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static string MarkerText(LibreOfficeInstallation installation) =>
        string.Create(CultureInfo.InvariantCulture, $"{installation.SofficeBin}\n{installation.Version}\n");

    internal static string RegistryModifications(string version)
    {
        static string Item(string path, string prop, string value) =>
            $"<item oor:path=\"{path}\"><prop oor:name=\"{prop}\" oor:op=\"fuse\"><value>{SecurityElement.Escape(value)}</value></prop></item>\n";

        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" +
            "<oor:items xmlns:oor=\"http://openoffice.org/2001/registry\" xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n" +
            Item("/org.openoffice.Setup/Product", "ooSetupLastVersion", version) +
            Item("/org.openoffice.Setup/Office", "ooSetupInstCompleted", "true") +
            // Links in documents from outside the trusted locations (there are none) are not followed.
            Item("/org.openoffice.Office.Common/Security/Scripting", "BlockUntrustedRefererLinks", "true") +
            Item("/org.openoffice.Office.Common/Security/Scripting", "MacroSecurityLevel", "3") +
            Item("/org.openoffice.Office.Common/Security/Scripting", "DisableMacrosExecution", "true") +
            Item("/org.openoffice.Office.Recovery/AutoSave", "Enabled", "false") +
            Item("/org.openoffice.Office.Recovery/RecoveryInfo", "Enabled", "false") +
            Item("/org.openoffice.Office.Common/Misc", "UseOpenCL", "false") +
            Item("/org.openoffice.Office.Common/Misc", "FirstRun", "false") +
            Item("/org.openoffice.Office.Common/Save/Document", "CreateBackup", "false") +
            "</oor:items>\n";
    }
}
