using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Docx2Pdf.Conversion;

/// <summary>The LibreOffice and Python found on this machine, and the prepared profile every instance starts from.</summary>
internal sealed partial class LibreOfficeInstallation
{
    internal const string InstallHint =
        "Install it on Debian/Ubuntu with: apt-get install --no-install-recommends libreoffice-writer python3-uno " +
        "(the regular libreoffice-writer, not libreoffice-writer-nogui), or set " + LibreOfficeOptions.SectionName + ":SofficePath.";

    private static readonly string[] ProgramFolders = ["/usr/lib/libreoffice/program", "/usr/local/lib/libreoffice/program"];

    internal LibreOfficeInstallation(string sofficeBin, string python, string pythonModules, string version)
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

    [GeneratedRegex("<prop oor:name=\"ooSetupVersion\">\\s*<value>([0-9][0-9.]*)</value>", RegexOptions.CultureInvariant)]
    private static partial Regex SetupVersion();

    [GeneratedRegex("LibreOffice ([0-9]+\\.[0-9]+)", RegexOptions.CultureInvariant)]
    private static partial Regex VersionLine();

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"LibreOffice {Version} ({SofficeBin})");
}
