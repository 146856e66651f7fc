using System.Globalization;
using System.Security.Cryptography;

namespace Docx2Pdf.Conversion;

/// <summary>
/// The private work folders of the converter and of the pipeline, and the only code that creates them: one root per owner
/// (<c>{WorkFolder}/{pid}-{random}</c>) holding, for the converter, the helper script, the profile template and one folder
/// per instance, and for both one folder per conversion. Folders are 0700 and files 0600; an existing work folder is used
/// only when this user owns it and nobody else can write to it; roots left by dead processes (a SIGKILLed host) are swept
/// when a converter or a pipeline starts.
/// </summary>
internal sealed class ConverterWorkspace
{
    /// <summary>Every folder the converter creates: owner only.</summary>
    public const UnixFileMode PrivateFolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Every file the converter creates: owner only.</summary>
    public const UnixFileMode PrivateFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Written in every root; a sweep deletes only folders that carry it (or, from older versions, the helper script).</summary>
    internal const string MarkerFile = ".docx2pdf-workspace";

    internal const string HelperScriptName = "docx2pdf_uno_helper.py";

    private const uint GroupOrOtherWrite = 0b000_010_010; // 0022
    private const uint FileTypeMask = 0xF000;
    private const uint DirectoryType = 0x4000;

    private readonly string _setting;

    public ConverterWorkspace(string workFolder)
        : this(workFolder, $"{LibreOfficeOptions.SectionName}:{nameof(LibreOfficeOptions.WorkFolder)}")
    {
    }

    /// <param name="workFolder">The shared folder the root is created in.</param>
    /// <param name="setting">The setting that names <paramref name="workFolder"/>, for error messages.</param>
    public ConverterWorkspace(string workFolder, string setting)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workFolder);
        ArgumentException.ThrowIfNullOrWhiteSpace(setting);
        _setting = setting;
        WorkFolder = Path.GetFullPath(workFolder);
        Root = Path.Combine(WorkFolder, string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(7))}"));
    }

    /// <summary>The configured work folder (<see cref="LibreOfficeOptions.WorkFolder"/> or <see cref="Docx2PdfOptions.WorkFolder"/>), shared by every process on the machine.</summary>
    public string WorkFolder { get; }

    /// <summary>This converter's own folder.</summary>
    public string Root { get; }

    /// <summary>The UNO helper, written fresh by <see cref="CreateAsync"/>.</summary>
    public string HelperScript => Path.Combine(Root, HelperScriptName);

    /// <summary>Where the profile every instance copies is prepared, unless a prepared one is configured.</summary>
    public string ProfileTemplate => Path.Combine(Root, "profile-template");

    /// <summary>
    /// Checks (or creates) the work folder, sweeps roots of dead processes, creates this converter's root and writes the
    /// helper script into it. Throws <see cref="InvalidOperationException"/> naming the setting when the work folder is unsafe.
    /// </summary>
    public async Task CreateAsync(Stream helperScript, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(helperScript);
        CreateRoot();
        var script = CreatePrivateFile(HelperScript);
        await using (script.ConfigureAwait(false))
        {
            await helperScript.CopyToAsync(script, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Checks (or creates) the work folder, sweeps roots of dead processes and creates this owner's root with its marker.
    /// Throws <see cref="InvalidOperationException"/> naming the setting when the work folder is unsafe.
    /// </summary>
    public void CreateRoot()
    {
        EnsurePrivateFolder(WorkFolder, _setting);
        SweepFoldersOfDeadProcesses();
        if (Directory.Exists(Root))
        {
            throw new InvalidOperationException($"The work folder '{Root}' already exists; refusing to reuse a folder this process did not create.");
        }

        CreatePrivateFolder(Root);
        EnsurePrivateFolder(Root, _setting);
        CreatePrivateFile(Path.Combine(Root, MarkerFile)).Dispose();
    }

    /// <summary>
    /// Below this much free space on the work folder's file system, a failure to write there (or LibreOffice failing to load,
    /// store or start) is taken as the file system's, not the document's: 16 MiB is less than any instance's profile and
    /// temporary files, so a healthy file system never reads as full, and a file system filled to its last block always does.
    /// </summary>
    internal const long FullBelowBytes = 16L * 1024 * 1024;

    private const int Enospc = 28;
    private const int Edquot = 122;

    /// <summary>Whether <paramref name="exception"/> (or one it wraps) is the operating system's "no space left" or "quota exceeded".</summary>
    public static bool IsNoSpace(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is IOException { HResult: Enospc or Edquot })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Free bytes on the work folder's file system for this user, or <see langword="null"/> when it cannot be read.</summary>
    public long? FreeBytes()
    {
        try
        {
            return new DriveInfo(Directory.Exists(Root) ? Root : WorkFolder).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Whether the work folder's file system has less than <see cref="FullBelowBytes"/> free.</summary>
    public bool IsFull() => FreeBytes() is < FullBelowBytes;

    /// <summary>
    /// A full work folder is the worker's problem, never the document's: a transient storage failure (retried, never
    /// recorded), named so an operator sees which file system to grow.
    /// </summary>
    public StorageException Full(Exception? innerException) =>
        new(FailureKind.StorageTransient, string.Create(CultureInfo.InvariantCulture, $"The work folder's file system is full ({_setting} = {WorkFolder}, {FreeBytes() ?? 0} bytes free); retry."), innerException);

    /// <summary>A new, empty folder for one conversion.</summary>
    public string CreateJobFolder()
    {
        var jobs = Path.Combine(Root, "jobs");
        CreatePrivateFolder(jobs);
        var job = Path.Combine(jobs, Guid.NewGuid().ToString("N"));
        CreatePrivateFolder(job);
        return job;
    }

    /// <summary>A fresh folder for the instance of <paramref name="slot"/>: whatever a killed predecessor left is wiped.</summary>
    public string CreateInstanceFolder(int slot)
    {
        var folder = Path.Combine(Root, string.Create(CultureInfo.InvariantCulture, $"instance-{slot}"));
        Delete(folder);
        CreatePrivateFolder(folder);
        return folder;
    }

    /// <summary>A fresh, empty private folder <paramref name="name"/> under the root.</summary>
    public string CreateFolder(string name)
    {
        var folder = Path.Combine(Root, name);
        Delete(folder);
        CreatePrivateFolder(folder);
        return folder;
    }

    /// <summary>Removes the root and everything in it.</summary>
    public void DeleteRoot() => Delete(Root);

    /// <summary>Creates <paramref name="path"/> (it must not exist) for writing, readable and writable by the owner only.</summary>
    public static FileStream CreatePrivateFile(string path)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            Options = FileOptions.Asynchronous,
            BufferSize = 81920,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFileMode;
        }

        return new FileStream(path, options);
    }

    /// <summary>Creates <paramref name="path"/> and any missing parent as folders only the owner can enter (0700).</summary>
    public static void CreatePrivateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, PrivateFolderMode);
        }
    }

    /// <summary>Copies a folder tree, every folder 0700 and every file 0600.</summary>
    public static void CopyTree(string source, string target)
    {
        CreatePrivateFolder(target);
        foreach (var dir in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
        {
            CreatePrivateFolder(Path.Combine(target, Path.GetRelativePath(source, dir)));
        }

        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            using var from = File.OpenRead(file);
            using var to = CreatePrivateFile(Path.Combine(target, Path.GetRelativePath(source, file)));
            from.CopyTo(to);
        }
    }

    /// <summary>
    /// Makes sure <paramref name="path"/> is a folder this user owns and nobody else can write to: creates it (0700) when
    /// missing; refuses a symbolic link, a folder of another user, or a group- or world-writable one, which another local
    /// user could have prepared to read documents or swap the helper script.
    /// </summary>
    public static void EnsurePrivateFolder(string path, string setting)
    {
        if (!Directory.Exists(path) && !File.Exists(path))
        {
            CreatePrivateFolder(path);
        }

        if (!NativeMethods.TryGetOwnerAndMode(path, out var uid, out var mode))
        {
            throw new InvalidOperationException($"{setting}: '{path}' could not be created or inspected.");
        }

        var me = NativeMethods.EffectiveUserId();
        if ((mode & FileTypeMask) != DirectoryType)
        {
            throw new InvalidOperationException($"{setting}: '{path}' is not a folder (a symbolic link or a file); refusing to use it.");
        }

        if (uid != me)
        {
            throw new InvalidOperationException($"{setting}: '{path}' belongs to user {uid}, not to this process's user {me}; refusing to use it. Remove it or choose another folder.");
        }

        if ((mode & GroupOrOtherWrite) != 0)
        {
            throw new InvalidOperationException($"{setting}: '{path}' is writable by other users (mode {Convert.ToString(mode & 0x1FF, 8)}); refusing to use it. Make it 0700 or choose another folder.");
        }
    }

    /// <summary>Deletes a folder tree; a few retries for files a dying process still holds.</summary>
    public static void Delete(string path)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }

                return;
            }
            catch (IOException)
            {
                Thread.Sleep(50);
            }
            catch (UnauthorizedAccessException)
            {
                Thread.Sleep(50);
            }
        }
    }

    /// <summary>Removes roots ("pid-id") of converters and pipelines whose process died without disposing them (a killed host).</summary>
    private void SweepFoldersOfDeadProcesses()
    {
        var me = NativeMethods.EffectiveUserId();
        foreach (var dir in Directory.EnumerateDirectories(WorkFolder))
        {
            var name = Path.GetFileName(dir);
            var dash = name.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0 && int.TryParse(name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) &&
                pid != Environment.ProcessId && !ProcFs.Exists(pid) &&
                (File.Exists(Path.Combine(dir, MarkerFile)) || File.Exists(Path.Combine(dir, HelperScriptName))) &&
                NativeMethods.TryGetOwnerAndMode(dir, out var uid, out _) && uid == me)
            {
                Delete(dir);
            }
        }
    }
}
