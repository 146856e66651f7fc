using System.Text.RegularExpressions;
using System.Xml.Linq;
using Docx2Pdf.Testing;

namespace Docx2Pdf.AspNetCore.Tests.Deployment;

/// <summary>
/// The Dockerfile cannot be built here (no Docker engine), so what keeps it honest is read from it: the runtime base is
/// the Debian release CI runs on, every install and publish step is a command of eng/image-steps.sh (which CI runs),
/// the service does not run as root, and the cached restore layer copies every project the service is built from.
/// </summary>
public sealed partial class DockerfileTests
{
    private static readonly string[] Lines = File.ReadAllLines(RepositoryRoot.Combine("samples/Docx2Pdf.CloudRun/Dockerfile"))
        .Where(l => !l.TrimStart().StartsWith('#'))
        .ToArray();

    [Fact]
    public void RuntimeBase_IsTheDebianReleaseCiRunsOn()
    {
        var codename = File.ReadAllLines("/etc/os-release")
            .Select(l => l.Split('=', 2))
            .Where(kv => kv[0] == "VERSION_CODENAME")
            .Select(kv => kv[1].Trim('"'))
            .Single();

        From().Last().Should().Be($"debian:{codename}-slim", "the image ships the LibreOffice the test suite runs against");
    }

    [Fact]
    public void Steps_AreEngImageStepsCommandsNotASecondList()
    {
        var runs = Lines.Where(l => l.StartsWith("RUN ", StringComparison.Ordinal)).ToList();

        runs.Should().Contain(r => r.Contains("image-steps.sh restore", StringComparison.Ordinal));
        runs.Should().Contain(r => r.Contains("image-steps.sh publish", StringComparison.Ordinal));
        runs.Should().Contain(r => r.Contains("image-steps.sh packages", StringComparison.Ordinal));
        string.Join('\n', Lines).Should().NotContainAny(["apt-get install", "dotnet publish", "dotnet restore", "libreoffice"],
            "packages and the publish command live in eng/prerequisites.sh and eng/image-steps.sh, which CI runs");
    }

    [Fact]
    public void Service_DoesNotRunAsRoot()
    {
        var finalStage = Lines.SkipWhile(l => l != Lines.Last(x => x.StartsWith("FROM ", StringComparison.Ordinal))).ToList();
        var user = finalStage.Last(l => l.StartsWith("USER ", StringComparison.Ordinal))["USER ".Length..].Trim();

        new[] { "root", "0" }.Should().NotContain(user.Split(':')[0]);
        finalStage.Should().Contain(l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal));
        finalStage.IndexOf(finalStage.Last(l => l.StartsWith("USER ", StringComparison.Ordinal)))
            .Should().BeLessThan(finalStage.FindIndex(l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal)));
    }

    [Fact]
    public void Profile_PreparedAtBuildAsRootAndConfiguredForTheService()
    {
        var finalStage = Lines.SkipWhile(l => l != Lines.Last(x => x.StartsWith("FROM ", StringComparison.Ordinal))).ToList();
        var step = finalStage.FindIndex(l => l.StartsWith("RUN ", StringComparison.Ordinal) && l.Contains("image-steps.sh profile", StringComparison.Ordinal));
        step.Should().BeGreaterThan(-1, "the profile is prepared while the image is built, by eng/image-steps.sh");
        var folder = finalStage[step].Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipWhile(w => w != "profile").ElementAt(2);

        step.Should().BeGreaterThan(finalStage.FindIndex(l => l.StartsWith("COPY --from=build", StringComparison.Ordinal)), "the published service prepares it");
        step.Should().BeLessThan(finalStage.FindIndex(l => l.StartsWith("USER ", StringComparison.Ordinal)), "root owns it, so the service's user cannot change it");
        finalStage.Should().Contain(l => l.Trim().StartsWith($"Docx2Pdf__LibreOffice__ProfileTemplateFolder={folder}", StringComparison.Ordinal),
            "the service reuses the prepared folder instead of preparing its own at every start");
    }

    [Fact]
    public void RestoreLayer_CopiesEveryProjectTheServiceIsBuiltFrom()
    {
        var copied = Lines.TakeWhile(l => !l.Contains("image-steps.sh restore", StringComparison.Ordinal))
            .Where(l => l.StartsWith("COPY ", StringComparison.Ordinal))
            .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).SkipLast(1))
            .ToHashSet();

        var projects = new HashSet<string>();
        var pending = new Stack<string>(["samples/Docx2Pdf.CloudRun/Docx2Pdf.CloudRun.csproj"]);
        while (pending.TryPop(out var project))
        {
            if (!projects.Add(project))
            {
                continue;
            }

            foreach (var reference in XDocument.Load(RepositoryRoot.Combine(project)).Descendants("ProjectReference"))
            {
                var full = Path.GetFullPath(Path.Combine(RepositoryRoot.Combine(Path.GetDirectoryName(project)!), reference.Attribute("Include")!.Value));
                pending.Push(Path.GetRelativePath(RepositoryRoot.Path, full).Replace('\\', '/'));
            }
        }

        projects.Should().HaveCountGreaterThan(1);
        copied.Should().Contain(projects, "a project missing from the restore layer fails the image build's restore");
        copied.Should().Contain(["global.json", "nuget.config", "Directory.Build.props", "Directory.Packages.props", "src/Directory.Build.props"]);
    }

    [Fact]
    public void DockerIgnore_LetsInOnlyPathsThatExist()
    {
        var allowed = File.ReadAllLines(RepositoryRoot.Combine(".dockerignore"))
            .Where(l => l.StartsWith('!'))
            .Select(l => l[1..])
            .ToList();

        allowed.Should().Contain(["src", "samples/Docx2Pdf.CloudRun", "eng/prerequisites.sh", "eng/image-steps.sh"]);
        allowed.Should().OnlyContain(p => File.Exists(RepositoryRoot.Combine(p)) || Directory.Exists(RepositoryRoot.Combine(p)));
        File.ReadAllLines(RepositoryRoot.Combine(".dockerignore")).Should().Contain("*", "everything else is left out");
    }

    private static IEnumerable<string> From() =>
        Lines.Select(l => FromLine().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value);

    [GeneratedRegex(@"^FROM\s+(\S+)")]
    private static partial Regex FromLine();
}
