using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.Conversion;

/// <summary>
/// Settings of <see cref="LibreOfficeConverter"/>, bound from the configuration section <see cref="SectionName"/>
/// (<c>Docx2Pdf:LibreOffice</c>) and validated at start-up. Time spans have upper bounds, so <c>60</c> (read as 60 days)
/// fails at start instead of meaning 60 days.
/// </summary>
public sealed class LibreOfficeOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "Docx2Pdf:LibreOffice";

    private int? _poolSize;
    private int? _maxInstanceMemoryMegabytes;
    private long? _instanceMemoryLimitBytes;

    /// <summary>Number of warm LibreOffice instances, which is also the number of conversions that run at once.
    /// The default value, through <c>AddDocx2Pdf()</c>, is derived from the container's CPU and memory limits
    /// (docs/sizing.md); for options created directly it is <see cref="Environment.ProcessorCount"/>.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Docx2Pdf:LibreOffice:PoolSize must be at least 1.")]
    public int PoolSize
    {
        get => _poolSize ?? Environment.ProcessorCount;
        set => _poolSize = value;
    }

    /// <summary>How many calls may wait for a free instance; one more is turned away at once with
    /// <see cref="ConverterBusyException"/>. Zero means no waiting. The default value is 32.</summary>
    [SettingRange(0, int.MaxValue, ErrorMessage = "Docx2Pdf:LibreOffice:QueueLength must be 0 or more.")]
    public int QueueLength { get; set; } = 32;

    /// <summary>How long a call waits for a free instance before it fails with <see cref="ConverterBusyException"/>.
    /// The default value is 30 seconds.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", "00:10:00", MinimumIsExclusive = true, ErrorMessage = "Docx2Pdf:LibreOffice:QueueTimeout must be greater than zero and at most 10 minutes (00:10:00); write seconds as hh:mm:ss, for example 00:01:00.")]
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long LibreOffice may spend loading and exporting one document before its instance is killed and
    /// the call fails with <see cref="ConversionTimeoutException"/>. The default value is 60 seconds.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", "01:00:00", MinimumIsExclusive = true, ErrorMessage = "Docx2Pdf:LibreOffice:ConversionTimeout must be greater than zero and at most 1 hour (01:00:00); write seconds as hh:mm:ss, for example 00:01:00.")]
    public TimeSpan ConversionTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long an instance may take to start and accept UNO connections. The default value is 30 seconds.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", "00:10:00", MinimumIsExclusive = true, ErrorMessage = "Docx2Pdf:LibreOffice:StartTimeout must be greater than zero and at most 10 minutes (00:10:00); write seconds as hh:mm:ss, for example 00:01:00.")]
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>An instance is restarted after this many conversions (its memory grows and is not returned).
    /// The default value is 200.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Docx2Pdf:LibreOffice:MaxConversionsPerInstance must be at least 1.")]
    public int MaxConversionsPerInstance { get; set; } = 200;

    /// <summary>An instance is restarted after a conversion that leaves its private resident memory (RssAnon + RssShmem
    /// of <c>soffice.bin</c>: what the container is charged for this instance alone, without the shared libraries that
    /// VmRSS also counts) above this many mebibytes. The default value, through <c>AddDocx2Pdf()</c>, is derived from
    /// the container's memory limit (three quarters of each instance's share, at most 1024; docs/sizing.md); for options
    /// created directly it is 1024.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Docx2Pdf:LibreOffice:MaxInstanceMemoryMegabytes must be at least 1.")]
    public int MaxInstanceMemoryMegabytes
    {
        get => _maxInstanceMemoryMegabytes ?? 1024;
        set => _maxInstanceMemoryMegabytes = value;
    }

    /// <summary>Whether <see cref="PoolSize"/> was set (by configuration or code), so sizing from the container leaves it alone.</summary>
    internal bool PoolSizeIsSet => _poolSize.HasValue;

    /// <summary>Whether <see cref="MaxInstanceMemoryMegabytes"/> was set, so sizing from the container leaves it alone.</summary>
    internal bool MaxInstanceMemoryMegabytesIsSet => _maxInstanceMemoryMegabytes.HasValue;

    /// <summary>
    /// Memory cap of each LibreOffice instance, in bytes of private resident memory (RssAnon + RssShmem of
    /// <c>soffice.bin</c>, as for <see cref="MaxInstanceMemoryMegabytes"/>; 0 = no cap). A conversion that takes its
    /// instance past the cap fails with <see cref="FailureKind.TooComplex"/> and the instance is killed and replaced; the
    /// instance also runs under an address-space limit (the cap plus 2 GiB) and with <c>oom_score_adj</c> 1000, so the
    /// kernel ends LibreOffice, never the host, when the container runs out of memory. The default value, through
    /// <c>AddDocx2Pdf()</c>, is derived from the container's memory limit and the pool size (each instance's share,
    /// at most 2 GiB; docs/sizing.md); for options created directly it is
    /// 2147483648 (2 GiB).
    /// </summary>
    public long InstanceMemoryLimitBytes
    {
        get => _instanceMemoryLimitBytes ?? 2L * 1024 * 1024 * 1024;
        set => _instanceMemoryLimitBytes = value;
    }

    /// <summary>Whether <see cref="InstanceMemoryLimitBytes"/> was set, so sizing from the container leaves it alone.</summary>
    internal bool InstanceMemoryLimitBytesIsSet => _instanceMemoryLimitBytes.HasValue;

    /// <summary>
    /// Runs <paramref name="bind"/> (binding <paramref name="section"/> into these options) so that a sizing figure the
    /// section does not hold stays unset: the binder writes every property of a section that holds any key back through
    /// its setter, defaults included, so a section with only, say, ProfileTemplateFolder would otherwise count as
    /// configuring the pool size and memory figures and turn sizing from the container off.
    /// </summary>
    internal void BindKeepingSizingUnset(Microsoft.Extensions.Configuration.IConfiguration section, Action bind)
    {
        var (pool, recycle, cap) = (_poolSize.HasValue, _maxInstanceMemoryMegabytes.HasValue, _instanceMemoryLimitBytes.HasValue);
        bind();
        if (!pool && section[nameof(PoolSize)] is null)
        {
            _poolSize = null;
        }

        if (!recycle && section[nameof(MaxInstanceMemoryMegabytes)] is null)
        {
            _maxInstanceMemoryMegabytes = null;
        }

        if (!cap && section[nameof(InstanceMemoryLimitBytes)] is null)
        {
            _instanceMemoryLimitBytes = null;
        }
    }

    /// <summary>
    /// A folder holding a LibreOffice profile prepared once, for example while a container image is built, so a start
    /// skips preparing one (about 0.35 s). Used when it was prepared for the same soffice.bin and version and only its
    /// owner (this user or root) can write to it; prepared there when it is missing or empty; otherwise a profile is
    /// prepared in the converter's private folder. The default value is <see langword="null"/> (always prepare privately).
    /// </summary>
    public string? ProfileTemplateFolder { get; set; }

    /// <summary>Folder for profiles, per-instance temporary folders and per-conversion files; a private sub-folder
    /// (0700) is created in it and removed on dispose. The folder itself must belong to this process's user and not be
    /// writable by others, or the converter refuses to start. The default value is <c>docx2pdf</c> under <see cref="Path.GetTempPath"/>.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Docx2Pdf:LibreOffice:WorkFolder must be a folder path.")]
    public string WorkFolder { get; set; } = Path.Combine(Path.GetTempPath(), "docx2pdf");

    /// <summary>Path of <c>soffice.bin</c> or of the <c>soffice</c> launcher (its <c>soffice.bin</c> beside it is used).
    /// The default value is <see langword="null"/>: found under <c>/usr/lib/libreoffice/program</c>, <c>/opt/libreoffice*/program</c> or on <c>PATH</c>.</summary>
    public string? SofficePath { get; set; }

    /// <summary>The Python interpreter that has the <c>uno</c> module (Debian's <c>python3-uno</c>).
    /// The default value is <c>/usr/bin/python3</c>; a pyenv or virtualenv <c>python3</c> usually lacks <c>uno</c>.</summary>
    public string PythonPath { get; set; } = "/usr/bin/python3";

    /// <summary>Input formats accepted; others fail with <see cref="FailureKind.UnsupportedFormat"/>.
    /// The default value is only <see cref="InputFormat.Docx"/>; a configured list replaces it.</summary>
    public IList<InputFormat> EnabledFormats { get; set; } = [InputFormat.Docx];

    /// <summary>Largest accepted input, in bytes; larger fails with <see cref="FailureKind.DocumentTooLarge"/>.
    /// The default value is 104857600 (100 MiB).</summary>
    [SettingRange(typeof(long), "1", "9223372036854775807", ErrorMessage = "Docx2Pdf:LibreOffice:MaxInputBytes must be at least 1.")]
    public long MaxInputBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>Zip-bomb limit: largest total uncompressed size of a ZIP-based input, in bytes.
    /// The default value is 1073741824 (1 GiB).</summary>
    [SettingRange(typeof(long), "1", "9223372036854775807", ErrorMessage = "Docx2Pdf:LibreOffice:MaxUncompressedBytes must be at least 1.")]
    public long MaxUncompressedBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>Zip-bomb limit: most entries in a ZIP-based input. The default value is 10000.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Docx2Pdf:LibreOffice:MaxZipEntries must be at least 1.")]
    public int MaxZipEntries { get; set; } = 10_000;

    /// <summary>Zip-bomb limit: highest uncompressed/compressed ratio of one entry larger than 1 MiB.
    /// The default value is 200.</summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Docx2Pdf:LibreOffice:MaxCompressionRatio must be at least 1.")]
    public int MaxCompressionRatio { get; set; } = 200;

    /// <summary>Cold mode: no warm pool; every conversion starts a LibreOffice instance on a prepared profile and
    /// ends it afterwards (slower, for comparison or very low traffic). The default value is <see langword="false"/>.</summary>
    public bool ColdMode { get; set; }

    /// <summary>Whether every instance converts a tiny built-in document before it counts as ready; off only to
    /// measure what it saves (bench/Docx2Pdf.Benchmarks --cold-start).</summary>
    internal bool WarmUpConversion { get; set; } = true;
}

/// <summary>The data-annotation rules of <see cref="LibreOfficeOptions"/>, source-generated.</summary>
[OptionsValidator]
internal sealed partial class LibreOfficeOptionsValidator : IValidateOptions<LibreOfficeOptions>;
