using System.Globalization;
using System.Security.Cryptography;

namespace Docx2Pdf.Conversion;

/// <summary>
/// The converter's private folders, and the only code that creates them: one root per converter
/// (<c>{WorkFolder}/{pid}-{random}</c>) holding the helper script, the profile template, one folder per instance and one
/// per conversion. Folders are 0700 and files 0600; an existing work folder is used only when this user owns it and
/// nobody else can write to it; roots left by dead processes are swept when a converter starts.
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

    public ConverterWorkspace(string workFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workFolder);
        WorkFolder = Path.GetFullPath(workFolder);
        Root = Path.Combine(WorkFolder, string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(7))}"));
    }

    /// <summary>The configured <see cref="LibreOfficeOptions.WorkFolder"/>, shared by every converter on the machine.</summary>
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
        EnsurePrivateFolder(WorkFolder, $"{LibreOfficeOptions.SectionName}:{nameof(LibreOfficeOptions.WorkFolder)}");
        SweepFoldersOfDeadProcesses();
        if (Directory.Exists(Root))
        {
            throw new InvalidOperationException($"The converter folder '{Root}' already exists; refusing to reuse a folder this converter did not create.");
        }

        CreatePrivateFolder(Root);
        EnsurePrivateFolder(Root, $"{LibreOfficeOptions.SectionName}:{nameof(LibreOfficeOptions.WorkFolder)}");
        CreatePrivateFile(Path.Combine(Root, MarkerFile)).Dispose();

        var script = CreatePrivateFile(HelperScript);
        await using (script.ConfigureAwait(false))
        {
            await helperScript.CopyToAsync(script, cancellationToken).ConfigureAwait(false);
        }
    }

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

    /// <summary>Removes roots ("pid-id") of converters whose process died without disposing them (a killed host).</summary>
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
