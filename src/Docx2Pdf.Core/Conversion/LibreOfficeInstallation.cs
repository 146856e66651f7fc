using System.Diagnostics;
using System.Globalization;
using System.Security;
using System.Text.RegularExpressions;

namespace Docx2Pdf.Conversion;

/// <summary>The LibreOffice and Python found on this machine, and the prepared profile every instance starts from.</summary>
internal sealed partial class LibreOfficeInstallation
{
    internal const string InstallHint =
        "Install it on Debian/Ubuntu with: apt-get install --no-install-recommends libreoffice-writer python3-uno " +
        "(the regular libreoffice-writer, not libreoffice-writer-nogui), or set " + LibreOfficeOptions.SectionName + ":SofficePath.";

    private static readonly string[] ProgramFolders = ["/usr/lib/libreoffice/program", "/usr/local/lib/libreoffice/program"];

    private LibreOfficeInstallation(string sofficeBin, string python, string pythonModules, string version)
    {
        SofficeBin = sofficeBin;
        Python = python;
        PythonModules = pythonModules;
        Version = version;
    }

    /// <summary>
    /// soffice.bin used when <see cref="LibreOfficeOptions.SofficePath"/> is not set, before the usual search; for test
    /// runs against a second, privately unpacked LibreOffice (see bench/libreoffice-private.sh). Null in production.
    /// </summary>
    internal static string? SofficePathOverride { get; set; }

    /// <summary>Path of soffice.bin (started directly: no shell wrapper, no oosplash).</summary>
    public string SofficeBin { get; }

    /// <summary>The Python that imports uno.</summary>
    public string Python { get; }

    /// <summary>The folder holding this installation's <c>uno.py</c>, put first on the helper's PYTHONPATH so the
    /// helper speaks to the LibreOffice it starts (a private install beside the system one has its own).</summary>
    public string PythonModules { get; }

    /// <summary>The product version, for example 7.4.</summary>
    public string Version { get; }

    /// <summary>Finds soffice.bin and Python; throws <see cref="InvalidOperationException"/> with an install hint.</summary>
    public static LibreOfficeInstallation Locate(LibreOfficeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var bin = FindSofficeBin(options.SofficePath ?? SofficePathOverride)
            ?? throw new InvalidOperationException(options.SofficePath is null
                ? $"LibreOffice was not found ({LibreOfficeOptions.SectionName}:SofficePath is not set and no soffice.bin is under /usr/lib/libreoffice/program, /opt/libreoffice*/program or on PATH). {InstallHint}"
                : $"{LibreOfficeOptions.SectionName}:SofficePath '{options.SofficePath}' is not a LibreOffice soffice or soffice.bin. {InstallHint}");
        if (!File.Exists(options.PythonPath))
        {
            throw new InvalidOperationException($"{LibreOfficeOptions.SectionName}:PythonPath '{options.PythonPath}' does not exist; the converter needs Debian's /usr/bin/python3 with python3-uno. {InstallHint}");
        }

        var program = Path.GetDirectoryName(bin)!;
        // Debian layout (<prefix>/lib/libreoffice/program beside <prefix>/lib/python3/dist-packages), then the
        // system's, then the TDF layout (uno.py inside program/).
        var modules = new[] { Path.GetFullPath(Path.Combine(program, "..", "..", "python3", "dist-packages")), "/usr/lib/python3/dist-packages", program }
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "uno.py")))
            ?? throw new InvalidOperationException($"The Python UNO bridge (uno.py) was not found. {InstallHint}");

        return new LibreOfficeInstallation(bin, options.PythonPath, modules, ReadVersion(program));
    }

    private static string? FindSofficeBin(string? configured)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            if (!File.Exists(configured))
            {
                return null;
            }

            // The soffice launcher is usually a symlink to a shell script beside soffice.bin.
            var resolved = new FileInfo(configured).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(configured);
            if (resolved.EndsWith(".bin", StringComparison.Ordinal))
            {
                return resolved;
            }

            var beside = Path.Combine(Path.GetDirectoryName(resolved)!, "soffice.bin");
            return File.Exists(beside) ? beside : null;
        }

        var candidates = new List<string>(ProgramFolders);
        if (Directory.Exists("/opt"))
        {
            candidates.AddRange(Directory.EnumerateDirectories("/opt", "libreoffice*").Order(StringComparer.Ordinal).Select(d => Path.Combine(d, "program")));
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var launcher = Path.Combine(dir, "soffice");
            if (File.Exists(launcher))
            {
                var target = new FileInfo(launcher).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? launcher;
                candidates.Add(Path.GetDirectoryName(target)!);
            }
        }

        return candidates.Select(c => Path.Combine(c, "soffice.bin")).FirstOrDefault(File.Exists);
    }

    /// <summary>Reads the product version (ooSetupVersion) from the installation's registry, e.g. 7.4.</summary>
    private static string ReadVersion(string program)
    {
        var mainXcd = Path.Combine(program, "..", "share", "registry", "main.xcd");
        if (File.Exists(mainXcd))
        {
            var match = SetupVersion().Match(File.ReadAllText(mainXcd));
            if (match.Success)
            {
                return match.Groups[1].Value;
            }
        }

        // Fallback: ask the binary (slower, only when the registry layout is unusual).
        using var p = Process.Start(new ProcessStartInfo(Path.Combine(program, "soffice.bin"), "--version") { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var text = p.StandardOutput.ReadToEnd();
        p.WaitForExit(30_000);
        var m = VersionLine().Match(text);
        return m.Success ? m.Groups[1].Value : "7.4";
    }

    /// <summary>
    /// Writes a profile that starts in ~0.2 s: the product version recorded (skips the rendering self-test of every
    /// start), links from untrusted documents blocked, no recovery or auto-save; then lets LibreOffice finish its
    /// first-start work on it once (extension registration), which would otherwise end the first start with exit 81.
    /// </summary>
    public async Task PrepareProfileAsync(string profileDir, string tmpDir, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var user = Path.Combine(profileDir, "user");
        Directory.CreateDirectory(user);
        await File.WriteAllTextAsync(Path.Combine(user, "registrymodifications.xcu"), RegistryModifications(Version), cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(tmpDir);
        var psi = new ProcessStartInfo(SofficeBin)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--headless", "--invisible", "--nologo", "--norestore", "--nolockcheck", "--terminate_after_init", "-env:UserInstallation=" + new Uri(profileDir).AbsoluteUri })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["TMPDIR"] = tmpDir;
        psi.Environment["SAL_USE_VCLPLUGIN"] = "svp";
        for (var attempt = 0; attempt < 3; attempt++)
        {
            using var p = Process.Start(psi)!;
            _ = p.StandardOutput.ReadToEndAsync(cancellationToken);
            _ = p.StandardError.ReadToEndAsync(cancellationToken);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(timeout);
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

            // 81 = "restart required" after first-start work; the next run on the same profile is clean.
            if (p.ExitCode == 0)
            {
                return;
            }
        }

        throw new InvalidOperationException("LibreOffice could not prepare a user profile (soffice.bin --terminate_after_init kept failing). " + InstallHint);
    }

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

    [GeneratedRegex("<prop oor:name=\"ooSetupVersion\">\\s*<value>([0-9][0-9.]*)</value>", RegexOptions.CultureInvariant)]
    private static partial Regex SetupVersion();

    [GeneratedRegex("LibreOffice ([0-9]+\\.[0-9]+)", RegexOptions.CultureInvariant)]
    private static partial Regex VersionLine();

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"LibreOffice {Version} ({SofficeBin})");
}
