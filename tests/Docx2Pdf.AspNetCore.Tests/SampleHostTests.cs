using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using Docx2Pdf.Testing;

namespace Docx2Pdf.AspNetCore.Tests;

// The sample Cloud Run service run as it is deployed (its own process, Production, configuration from the environment),
// on 127.0.0.1. Issue 9 findings 1 and 2: on its defaults it accepted unauthenticated pushes without a word and mapped an
// anonymous /convert beside the push endpoint.
[Trait("Layer", "Integration")]
public sealed class SampleHostTests
{
    [Fact]
    public async Task Sample_ProductionWithoutPushAuthenticationChoice_DoesNotStartAndExplainsTheThreeChoices()
    {
        using var sample = SampleProcess.Start(new Dictionary<string, string?>());

        var exitCode = await sample.WaitForExitAsync(TimeSpan.FromSeconds(120));

        exitCode.Should().NotBe(0);
        sample.Output.Should().Contain("Docx2Pdf:PubSub:Push:Authentication is not set")
            .And.Contain("GoogleOidc (").And.Contain("Platform (").And.Contain("None (");
    }

    [Fact]
    public async Task Sample_Defaults_NoConvertEndpoint()
    {
        using var sample = SampleProcess.Start(new Dictionary<string, string?> { ["Docx2Pdf__PubSub__Push__Authentication"] = "None" });
        await sample.WaitUntilLiveAsync();
        using var client = new HttpClient { BaseAddress = sample.BaseAddress };

        using var convert = await client.PostAsync(new Uri("/convert", UriKind.Relative), Docx());
        using var push = PushRequests.Wrapped("documents", "a.docx", 1, 10, eventType: "OBJECT_DELETE");
        using var pushed = await client.SendAsync(push);

        convert.StatusCode.Should().Be(HttpStatusCode.NotFound, "/convert is opt-in");
        pushed.StatusCode.Should().Be(HttpStatusCode.NoContent, "the push endpoint is there");
        sample.Output.Should().Contain("authentication None", "the choice of no authentication is warned about at start");
        (await sample.StopAsync()).Should().Be(0);
    }

    [Fact]
    public async Task Sample_ConvertEndpointOptedIn_Mapped()
    {
        using var sample = SampleProcess.Start(new Dictionary<string, string?>
        {
            ["Docx2Pdf__PubSub__Push__Authentication"] = "Platform",
            ["Sample__ConvertEndpoint"] = "true",
        });
        await sample.WaitUntilLiveAsync();
        using var client = new HttpClient { BaseAddress = sample.BaseAddress };

        // An empty document is refused before LibreOffice is involved: enough to show the endpoint is mapped.
        using var convert = await client.PostAsync(new Uri("/convert", UriKind.Relative), Docx(empty: true));

        convert.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        sample.Output.Should().Contain("authentication Platform");
        (await sample.StopAsync()).Should().Be(0);
    }

    private static ByteArrayContent Docx(bool empty = false)
    {
        var content = new ByteArrayContent(empty ? [] : File.ReadAllBytes(Corpus.Get("python-docx/test.docx").FullPath));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
        return content;
    }

    private sealed class SampleProcess : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly string _root;

        private SampleProcess(Process process, string root, Uri baseAddress)
        {
            _process = process;
            _root = root;
            BaseAddress = baseAddress;
        }

        public Uri BaseAddress { get; }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static SampleProcess Start(IDictionary<string, string?> settings)
        {
            var dll = typeof(SampleHostTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SampleCloudRunDll").Value!;
            var root = Path.Combine(Path.GetTempPath(), "docx2pdf-sample-tests-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(root);
            var baseAddress = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
            var psi = new ProcessStartInfo("dotnet")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = Path.GetDirectoryName(dll)!,
            };
            psi.ArgumentList.Add(dll);
            foreach (var inherited in new[] { "PORT", "K_SERVICE", "STORAGE_EMULATOR_HOST", "OUTPUT_BUCKET", "DOTNET_ENVIRONMENT" })
            {
                psi.Environment.Remove(inherited);
            }

            psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
            psi.Environment["ASPNETCORE_URLS"] = baseAddress.ToString();
            psi.Environment["Docx2Pdf__OutputBucket"] = "pdfs";
            psi.Environment["Docx2Pdf__Storage__Provider"] = "FileSystem";
            psi.Environment["Docx2Pdf__Storage__LocalRoot"] = Path.Combine(root, "store");
            psi.Environment["Docx2Pdf__WorkFolder"] = Path.Combine(root, "work");
            psi.Environment["Docx2Pdf__LibreOffice__WorkFolder"] = Path.Combine(root, "lo");
            psi.Environment["Docx2Pdf__LibreOffice__PoolSize"] = "1";
            psi.Environment["Docx2Pdf__LibreOffice__ColdMode"] = "true"; // no warm pool: these tests never convert
            foreach (var (key, value) in settings)
            {
                psi.Environment[key] = value;
            }

            var process = new Process { StartInfo = psi };
            var sample = new SampleProcess(process, root, baseAddress);
            process.OutputDataReceived += (_, e) => sample.Append(e.Data);
            process.ErrorDataReceived += (_, e) => sample.Append(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return sample;
        }

        public async Task<int> WaitForExitAsync(TimeSpan bound)
        {
            using var cts = new CancellationTokenSource(bound);
            await _process.WaitForExitAsync(cts.Token);
            return _process.ExitCode;
        }

        /// <summary>Waits for the liveness probe to answer (a generous bound: start-up on a loaded machine).</summary>
        public async Task WaitUntilLiveAsync()
        {
            using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(120);
            while (DateTime.UtcNow < until)
            {
                _process.HasExited.Should().BeFalse("the sample should be running; its output:\n" + Output);
                try
                {
                    using var live = await client.GetAsync(new Uri("/healthz/live", UriKind.Relative));
                    if (live.IsSuccessStatusCode)
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

                await Task.Delay(200);
            }

            throw new TimeoutException("The sample did not become live; its output:\n" + Output);
        }

        /// <summary>SIGTERM, as Cloud Run stops an instance; returns the exit code.</summary>
        public async Task<int> StopAsync()
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            return await WaitForExitAsync(TimeSpan.FromSeconds(60));
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }

            _process.Dispose();
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        private void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
