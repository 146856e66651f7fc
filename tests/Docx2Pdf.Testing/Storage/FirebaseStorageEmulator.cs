using Xunit;

namespace Docx2Pdf.Testing.Storage;

/// <summary>
/// The Firebase Storage emulator (npm firebase-tools, installed into eng/storage-emulator/node_modules by
/// eng/test-servers.sh) started offline by eng/storage-emulator/launch.js on a free port of 127.0.0.1, in its own process
/// group and temporary folder, both removed on dispose. It serves the Cloud Storage JSON API for objects, but has no bucket
/// calls and no preconditions, and truncates resumable uploads of more than one chunk (docs/design-pipeline.md, "Storage servers for tests").
/// </summary>
public sealed class FirebaseStorageEmulator : IAsyncLifetime, IAsyncDisposable
{
    private ProcessGroup? _process;
    private string? _tempDirectory;

    /// <summary>The port, once started.</summary>
    public int Port { get; private set; }

    /// <summary>The JSON API base address: <c>http://127.0.0.1:{port}/storage/v1/</c>.</summary>
    public Uri BaseUri => new($"http://127.0.0.1:{Port}/storage/v1/");

    /// <summary><c>127.0.0.1:{port}</c>, the value of <c>STORAGE_EMULATOR_HOST</c>.</summary>
    public string EmulatorHost => $"127.0.0.1:{Port}";

    /// <summary>Starts an emulator on a free port.</summary>
    public static async Task<FirebaseStorageEmulator> StartAsync()
    {
        var emulator = new FirebaseStorageEmulator();
        await emulator.InitializeAsync().ConfigureAwait(false);
        return emulator;
    }

    /// <summary>The folder holding launch.js and node_modules.</summary>
    public static string LauncherDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "eng", "storage-emulator");
            if (File.Exists(Path.Combine(candidate, "launch.js")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("eng/storage-emulator/launch.js was not found above the test binaries.");
    }

    public async Task InitializeAsync()
    {
        TestLayer.RequireIntegration("the Firebase Storage emulator");
        var directory = LauncherDirectory();
        if (!Directory.Exists(Path.Combine(directory, "node_modules", "firebase-tools")))
        {
            throw new InvalidOperationException($"The Firebase Storage emulator is not installed in {directory}/node_modules: run `bash eng/test-servers.sh` first.");
        }

        _tempDirectory = Directory.CreateTempSubdirectory("docx2pdf-firebase-storage-").FullName;
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort.Next();
            _process = ProcessGroup.Start("node", [Path.Combine(directory, "launch.js"), Port.ToString(System.Globalization.CultureInfo.InvariantCulture)], new Dictionary<string, string?> { ["TMPDIR"] = _tempDirectory }, directory);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!_process.HasExited && DateTime.UtcNow < deadline)
            {
                try
                {
                    using var response = await probe.GetAsync(new Uri(BaseUri, "b/probe-bucket/o")).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }

                await Task.Delay(100).ConfigureAwait(false);
            }

            _process.Dispose();
            _process = null;

            // The port may have been taken between FreePort.Next() and the emulator's bind: try another once or twice.
            if (attempt == 3)
            {
                throw new InvalidOperationException($"The Firebase Storage emulator did not start (last port {Port}); try `node eng/storage-emulator/launch.js 9199` by hand.");
            }
        }
    }

    public Task DisposeAsync()
    {
        _process?.Dispose();
        _process = null;
        if (_tempDirectory is not null && Directory.Exists(_tempDirectory))
        {
            Directory.Delete(_tempDirectory, recursive: true);
        }

        _tempDirectory = null;
        return Task.CompletedTask;
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync().ConfigureAwait(false);
}
