using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Docx2Pdf.Testing;

namespace Docx2Pdf.AspNetCore.Tests.Deployment;

/// <summary>
/// What CI can do of the image without a Docker engine: eng/image-steps.sh check builds the build context from
/// .dockerignore, restores and publishes there exactly as the Dockerfile does, runs the image's package step and prepares
/// the LibreOffice profile with the published service; then the service runs as the image would on Cloud Run (PORT,
/// K_SERVICE, the prepared profile), becomes ready on that profile and is stopped with SIGTERM.
/// </summary>
[Trait("Layer", "Integration")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ImageStepsTests : IDisposable
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private readonly string _root = Directory.CreateTempSubdirectory("docx2pdf-image-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task PublishedService_HonoursPortUsesPreparedProfileWritesCloudLoggingJsonAndStopsWithinCloudRunsGrace()
    {
        var app = Path.Combine(_root, "app");
        var profile = Path.Combine(_root, "profile");
        var steps = await ShellScript.RunAsync("bash", ["eng/image-steps.sh", "check", app, profile], TimeSpan.FromMinutes(15));
        steps.ExitCode.Should().Be(0, steps.ToString());
        File.Exists(Path.Combine(profile, ".docx2pdf-profile")).Should().BeTrue("the image step prepared the profile:\n" + steps);
        (File.GetUnixFileMode(profile) & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)).Should().Be(UnixFileMode.None);
        (File.GetUnixFileMode(profile) & UnixFileMode.OtherRead).Should().Be(UnixFileMode.OtherRead, "the service's user is not the builder");
        File.Exists(Path.Combine(app, "Docx2Pdf.CloudRun")).Should().BeTrue("the image's entry point is the self-contained executable");
        File.Exists(Path.Combine(app, "libcoreclr.so")).Should().BeTrue("the publish is self-contained: the runtime image has no .NET");

        var port = FreePort.Next();
        var start = new ProcessStartInfo(Path.Combine(app, "Docx2Pdf.CloudRun"))
        {
            WorkingDirectory = app,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in new Dictionary<string, string>
        {
            ["PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["K_SERVICE"] = "docx2pdf",
            ["GOOGLE_CLOUD_PROJECT"] = "test-project",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Docx2Pdf__OutputBucket"] = "out",
            ["Docx2Pdf__InputBuckets__0"] = "in",
            ["Docx2Pdf__Storage__Provider"] = "FileSystem",
            ["Docx2Pdf__Storage__LocalRoot"] = Path.Combine(_root, "data"),
            ["Docx2Pdf__WorkFolder"] = Path.Combine(_root, "work"),
            ["Docx2Pdf__LibreOffice__WorkFolder"] = Path.Combine(_root, "lo"),
            ["Docx2Pdf__LibreOffice__PoolSize"] = "1",
            ["Docx2Pdf__LibreOffice__ProfileTemplateFolder"] = profile,
            ["Docx2Pdf__PubSub__Push__Authentication"] = "Platform",
            // The section's earlier name, until the rename to Docx2Pdf:PubSub:Push reaches this branch (harmless after).
            ["Docx2Pdf__PubSub__Push__Authentication"] = "Platform",
        })
        {
            start.Environment[name] = value;
        }

        // The test's own environment must not choose for the service.
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("shutdownTimeoutSeconds");
        start.Environment.Remove("Logging__Console__FormatterName");

        var output = new StringBuilder();
        var errors = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (errors) { errors.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
            (await WaitForAsync(http, process, "/healthz/live")).Should().Be(HttpStatusCode.OK, Snapshot(output));

            // A request with a trace: whatever it logs carries the trace in Cloud Logging's field.
            using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent("{\"not\":\"an event\"}", Encoding.UTF8, "application/json") };
            request.Headers.Add("traceparent", $"00-{TraceId}-00f067aa0ba902b7-01");
            using var response = await http.SendAsync(request);
            ((int)response.StatusCode).Should().BeOneOf([204, 400], "an invalid message is acknowledged or rejected, never a 5xx");
            (await WaitForAsync(http, process, "/healthz/ready")).Should().Be(HttpStatusCode.OK, Snapshot(output));

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(exited.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var lines = Snapshot(output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines.Should().NotBeEmpty();
        var entries = lines.Select(l =>
        {
            try
            {
                return JsonDocument.Parse(l).RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new InvalidOperationException($"Not one JSON object per line: {l}\n--- stdout\n{string.Join('\n', lines)}\n--- stderr\n{Snapshot(errors)}", e);
            }
        }).ToList();

        static string? Field(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.ToString() : null;
        var all = string.Join('\n', lines);
        entries.Where(e => Field(e, "severity") is null || Field(e, "message") is null || Field(e, "time") is null)
            .Should().BeEmpty("every line has severity, message and time:\n" + all);
        entries.Select(e => Field(e, "logging.googleapis.com/trace")).Should().Contain($"projects/test-project/traces/{TraceId}",
            "the invalid message's log line belongs to the request's trace:\n" + all);

        entries.Select(e => Field(e, "message")).Should().Contain($"Using the LibreOffice profile prepared in {profile}",
            "the service started its instance from the profile the image step prepared, not a private one:\n" + all);

        // ShutdownCoordinator leaves min(5 s, half the timeout) to answer: a grace of 4.5 s means a 9 s shutdown timeout.
        entries.Select(e => Field(e, "GraceSeconds")).Where(g => g is not null).Select(g => double.Parse(g!, CultureInfo.InvariantCulture))
            .Should().NotBeEmpty("stopping is logged with its grace:\n" + all)
            .And.OnlyContain(g => g == 4.5, "the grace of a 9 s shutdown timeout (Cloud Run kills at 10 s):\n" + all);
    }

    private static async Task<HttpStatusCode?> WaitForAsync(HttpClient http, Process process, string path)
    {
        // Waiting for the event itself (the port answering, and for readiness a 200), bounded generously for a loaded machine.
        var deadline = Stopwatch.StartNew();
        HttpStatusCode? last = null;
        while (deadline.Elapsed < TimeSpan.FromMinutes(2) && !process.HasExited)
        {
            try
            {
                using var answer = await http.GetAsync(path);
                last = answer.StatusCode;
                if (last == HttpStatusCode.OK || path == "/healthz/live")
                {
                    return last;
                }

                await Task.Delay(100);
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }

        return last;
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
