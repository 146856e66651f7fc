namespace Docx2Pdf.Conversion;

/// <summary>
/// The environment LibreOffice and its helper run with: an allow-list, never the host's whole environment, so cloud
/// credentials, tokens and service settings (GOOGLE_*, AWS_*, K_SERVICE, ...) never reach a process that reads
/// untrusted documents. HOME and the temporary folders point into the instance's own folder.
/// </summary>
internal static class OfficeEnvironment
{
    private static readonly string[] AllowedNames = ["PATH", "LANG", "LANGUAGE", "TZ", "LD_LIBRARY_PATH", "FONTCONFIG_FILE", "FONTCONFIG_PATH", "FONTCONFIG_SYSROOT"];

    private static readonly string[] AllowedPrefixes = ["LC_", "SAL_"];

    /// <summary>True for the host variables passed on (locale, fonts, PATH, LibreOffice's own SAL_* switches).</summary>
    public static bool IsAllowed(string name) =>
        AllowedNames.Contains(name, StringComparer.Ordinal) || AllowedPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));

    /// <summary>Replaces <paramref name="environment"/> with the allowed host variables plus HOME and TMPDIR for this instance.</summary>
    public static void Apply(IDictionary<string, string?> environment, string home, string tmp)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var kept = environment.Where(e => IsAllowed(e.Key)).ToList();
        environment.Clear();
        foreach (var (name, value) in kept)
        {
            environment[name] = value;
        }

        if (!environment.ContainsKey("PATH"))
        {
            environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        }

        environment["HOME"] = home;
        environment["TMPDIR"] = tmp;
        environment["TMP"] = tmp;
        environment["TEMP"] = tmp;
        environment.TryAdd("SAL_USE_VCLPLUGIN", "svp");
    }
}
