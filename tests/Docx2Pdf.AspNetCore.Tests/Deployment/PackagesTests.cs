using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Docx2Pdf.Testing;

namespace Docx2Pdf.AspNetCore.Tests.Deployment;

/// <summary>
/// The three packages as a user gets them: packed into a local feed with one version, repository metadata, Source Link and
/// symbols; then a fresh app made of the README's own lines (dotnet add package, the quick start verbatim) restores them,
/// runs, and converts a document sent the way the README's curl line sends it.
/// </summary>
[Trait("Layer", "Integration")]
public sealed partial class PackagesTests : IDisposable
{
    private const string RepositoryUrl = "https://github.com/example/docx2pdf";
    private static readonly string[] Projects = ["Docx2Pdf.Core", "Docx2Pdf.AspNetCore", "Docx2Pdf.PubSub"];

    private readonly string _root = Directory.CreateTempSubdirectory("docx2pdf-packages-").FullName;
    private readonly string _suffix = "test" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);

        // The test's own version must not stay in the machine's package cache.
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in Projects)
        {
            foreach (var folder in Directory.Exists(Path.Combine(cache, id.ToLowerInvariant()))
                ? Directory.GetDirectories(Path.Combine(cache, id.ToLowerInvariant()), $"*-{_suffix}")
                : [])
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Pack_FreshAppFromReadme_ConvertsADocument()
    {
        var feed = Path.Combine(_root, "feed");
        foreach (var project in Projects)
        {
            var pack = await Dotnet(["pack", RepositoryRoot.Combine($"src/{project}/{project}.csproj"), "-c", "Release", "-o", feed,
                $"-p:VersionSuffix={_suffix}", $"-p:Docx2PdfRepositoryUrl={RepositoryUrl}",
                // Built away from the checkout's bin/ and obj/, which other tests run from.
                "-p:UseArtifactsOutput=true", $"-p:ArtifactsPath={Path.Combine(_root, "artifacts")}"], RepositoryRoot.Path);
            pack.ExitCode.Should().Be(0, pack.ToString());
        }

        var packages = Directory.GetFiles(feed, "*.nupkg");
        packages.Select(Path.GetFileName).Should().HaveCount(3);
        Directory.GetFiles(feed, "*.snupkg").Should().HaveCount(3, "every package has a symbols package");
        var version = CheckPackages(packages);

        // A fresh app: the README's `dotnet add package` lines as PackageReferences, its quick start as Program.cs.
        var readme = await File.ReadAllTextAsync(RepositoryRoot.Combine("README.md"));
        var quickStart = readme[readme.IndexOf("## Quick start", StringComparison.Ordinal)..];
        var added = AddPackageLine().Matches(quickStart).Select(m => m.Groups[1].Value).ToList();
        added.Should().Contain("Docx2Pdf.AspNetCore");
        var program = CSharpBlock().Match(quickStart).Groups[1].Value;
        program.Should().Contain("WebApplication.CreateBuilder");

        var app = Directory.CreateDirectory(Path.Combine(_root, "app")).FullName;
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), program);
        await File.WriteAllTextAsync(Path.Combine(app, "FreshApp.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
            {string.Join('\n', added.Select(id => $"    <PackageReference Include=\"{id}\" Version=\"{version}\" />"))}
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
        var build = await Dotnet(["build", "-c", "Release", "-o", Path.Combine(app, "out")], app);
        build.ExitCode.Should().Be(0, build.ToString());

        await RunAndConvertAsync(Path.Combine(app, "out", "FreshApp.dll"));
    }

    /// <summary>One version, repository metadata, absolute links on the package page, Source Link in the symbols.</summary>
    private string CheckPackages(string[] packages)
    {
        var versions = new HashSet<string>();
        foreach (var package in packages)
        {
            using var zip = ZipFile.OpenRead(package);
            var nuspecEntry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
            using (var nuspecStream = nuspecEntry.Open())
            {
                var nuspec = XDocument.Load(nuspecStream);
                var ns = nuspec.Root!.GetDefaultNamespace();
                var metadata = nuspec.Root.Element(ns + "metadata")!;
                versions.Add(metadata.Element(ns + "version")!.Value);
                metadata.Element(ns + "projectUrl")!.Value.Should().Be(RepositoryUrl);
                metadata.Element(ns + "repository")!.Attribute("url")!.Value.Should().Be(RepositoryUrl);
                metadata.Element(ns + "repository")!.Attribute("commit")!.Value.Should().MatchRegex("^[0-9a-f]{40}$");
                metadata.Element(ns + "readme")!.Value.Should().Be("PACKAGE.md");
                foreach (var dependency in metadata.Descendants(ns + "dependency").Where(d => d.Attribute("id")!.Value.StartsWith("Docx2Pdf.", StringComparison.Ordinal)))
                {
                    dependency.Attribute("version")!.Value.Should().Be(metadata.Element(ns + "version")!.Value, "the packages depend on each other at the one version");
                }
            }

            using var readme = new StreamReader(zip.GetEntry("PACKAGE.md")!.Open());
            var links = MarkdownLink().Matches(readme.ReadToEnd()).Select(m => m.Groups[1].Value).ToList();
            links.Should().OnlyContain(l => l.StartsWith("https://", StringComparison.Ordinal) || l.StartsWith('#'),
                $"links in {Path.GetFileName(package)}'s PACKAGE.md must work on a package page");
        }

        versions.Should().ContainSingle().Which.Should().EndWith("-" + _suffix);

        foreach (var symbols in Directory.GetFiles(Path.GetDirectoryName(packages[0])!, "*.snupkg"))
        {
            using var zip = ZipFile.OpenRead(symbols);
            var pdb = zip.Entries.Single(e => e.FullName.EndsWith(".pdb", StringComparison.Ordinal));
            using var reader = new StreamReader(pdb.Open(), System.Text.Encoding.Latin1);
            reader.ReadToEnd().Should().Contain("https://raw.githubusercontent.com/example/docx2pdf/", $"{Path.GetFileName(symbols)} carries Source Link");
        }

        return versions.Single();
    }

    private async Task RunAndConvertAsync(string appDll)
    {
        var port = FreePort.Next();
        var start = new ProcessStartInfo("dotnet", [appDll])
        {
            WorkingDirectory = _root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["OUTPUT_BUCKET"] = "pdfs",
            ["Docx2Pdf__Storage__Provider"] = "FileSystem",
            ["Docx2Pdf__Storage__LocalRoot"] = Path.Combine(_root, "data"),
            ["Docx2Pdf__WorkFolder"] = Path.Combine(_root, "work"),
            ["Docx2Pdf__LibreOffice__WorkFolder"] = Path.Combine(_root, "lo"),
            ["Docx2Pdf__LibreOffice__PoolSize"] = "1",
            ["Docx2Pdf__PubSub__Push__Authentication"] = "None",
            ["Docx2Pdf__PubSubPush__Authentication"] = "None",
        })
        {
            start.Environment[name] = value;
        }

        start.Environment.Remove("K_SERVICE");
        start.Environment.Remove("STORAGE_EMULATOR_HOST");

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(120) };
            var healthy = false;
            var waited = Stopwatch.StartNew();
            while (!healthy && !process.HasExited && waited.Elapsed < TimeSpan.FromMinutes(3))
            {
                try
                {
                    using var health = await http.GetAsync("/healthz");
                    healthy = health.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                }

                if (!healthy)
                {
                    await Task.Delay(200);
                }
            }

            healthy.Should().BeTrue("the fresh app becomes healthy (exited: {0})", process.HasExited);

            // The README's curl line: the document as the raw body, with its media type.
            using var body = new ByteArrayContent(await File.ReadAllBytesAsync(RepositoryRoot.Combine("samples/documents/welcome.docx")));
            body.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
            using var response = await http.PostAsync("/convert", body);
            var pdf = await response.Content.ReadAsByteArrayAsync();

            response.StatusCode.Should().Be(HttpStatusCode.OK, System.Text.Encoding.UTF8.GetString(pdf));
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/pdf");
            System.Text.Encoding.ASCII.GetString(pdf, 0, 5).Should().Be("%PDF-");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            throw new InvalidOperationException($"The fresh app failed.\n--- stdout\n{await stdout}\n--- stderr\n{await stderr}", e);
        }
        finally
        {
            if (!process.HasExited)
            {
                using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
                {
                    await term.WaitForExitAsync();
                }

                using var stopped = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                try
                {
                    await process.WaitForExitAsync(stopped.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
        }
    }

    private static Task<ShellScript.Result> Dotnet(string[] arguments, string workingDirectory) =>
        ShellScript.RunAsync("dotnet", arguments, TimeSpan.FromMinutes(15),
            // A test run's own build settings must not leak into the packages or the fresh app.
            new Dictionary<string, string?> { ["MSBuildSDKsPath"] = null, ["MSBUILD_EXE_PATH"] = null, ["MSBuildExtensionsPath"] = null },
            workingDirectory);

    [GeneratedRegex(@"^dotnet add package (\S+)", RegexOptions.Multiline)]
    private static partial Regex AddPackageLine();

    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex MarkdownLink();
}
