using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Docx2Pdf.Docs.Tests;

/// <summary>
/// Every fenced <c>```csharp</c> block of README.md and src/*/PACKAGE.md compiles, as the program a user would paste it into:
/// top-level statements with the implicit usings of that kind of project, against the three Docx2Pdf packages.
/// README.md and the ASP.NET Core package are web apps (Microsoft.NET.Sdk.Web), the Pub/Sub package a worker
/// (Microsoft.NET.Sdk.Worker), the Core package a plain program (Microsoft.NET.Sdk): its blocks write their own usings.
/// A block that uses <c>builder</c> without declaring it continues the doc's app: it gets that kind's builder in front.
/// </summary>
public sealed partial class DocSnippetTests
{
    private static readonly string[] PlainUsings =
        ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks"];

    private static readonly string[] WorkerUsings =
        [.. PlainUsings, "Microsoft.Extensions.Configuration", "Microsoft.Extensions.DependencyInjection", "Microsoft.Extensions.Hosting", "Microsoft.Extensions.Logging"];

    private static readonly string[] WebUsings =
        [.. WorkerUsings, "System.Net.Http.Json", "Microsoft.AspNetCore.Builder", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Http", "Microsoft.AspNetCore.Routing"];

    private static readonly Lazy<IReadOnlyList<MetadataReference>> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => p.EndsWith(".dll", StringComparison.Ordinal))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList());

    public static TheoryData<string, int> Blocks()
    {
        var data = new TheoryData<string, int>();
        foreach (var doc in Docs())
        {
            foreach (var block in ReadBlocks(doc))
            {
                data.Add(doc, block.Line);
            }
        }

        return data;
    }

    [Fact]
    public void Docs_EachHasAtLeastOneCSharpBlock_TheTestSeesThem()
    {
        Docs().Should().Contain(["README.md", "src/Docx2Pdf.Core/PACKAGE.md", "src/Docx2Pdf.AspNetCore/PACKAGE.md", "src/Docx2Pdf.PubSub/PACKAGE.md"]);
        Docs().Should().OnlyContain(d => ReadBlocks(d).Count > 0);
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void CSharpBlock_CompilesAgainstThePackages(string doc, int line)
    {
        var block = ReadBlocks(doc).Single(b => b.Line == line);

        var errors = Compile(doc, block.Code);

        errors.Should().BeEmpty($"the ```csharp block of {doc} at line {line} must compile as a user would paste it:{Environment.NewLine}{block.Code}");
    }

    [Fact]
    public void Compile_BlockWithMissingUsing_ReportsTheError()
    {
        // The check can fail: a Core type without its using does not compile in a plain program.
        Compile("src/Docx2Pdf.Core/PACKAGE.md", "var options = new LibreOfficeOptions();").Should().Contain(e => e.Contains("CS0246", StringComparison.Ordinal));
    }

    private static List<string> Compile(string doc, string code)
    {
        var (usings, builder) = doc switch
        {
            "src/Docx2Pdf.Core/PACKAGE.md" => (PlainUsings, "Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(args)"),
            "src/Docx2Pdf.PubSub/PACKAGE.md" => (WorkerUsings, "Host.CreateApplicationBuilder(args)"),
            _ => (WebUsings, "WebApplication.CreateBuilder(args)"),
        };

        // using directives stay first; a continuation gets the doc's builder in front of its statements.
        var lines = code.Split('\n');
        var directives = lines.TakeWhile(l => UsingDirective().IsMatch(l) || string.IsNullOrWhiteSpace(l)).ToList();
        var body = string.Join('\n', lines.Skip(directives.Count));
        var prelude = DeclaresBuilder().IsMatch(body) || !UsesBuilder().IsMatch(body) ? "" : $"var builder = {builder};\n";
        var program = new StringBuilder();
        program.AppendJoin('\n', directives).Append('\n').Append(prelude).Append(body);

        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var globalUsings = CSharpSyntaxTree.ParseText(string.Concat(usings.Select(u => $"global using global::{u};\n")), parse, "GlobalUsings.g.cs");
        var snippet = CSharpSyntaxTree.ParseText(program.ToString(), parse, doc);
        var compilation = CSharpCompilation.Create(
            "Snippet",
            [globalUsings, snippet],
            References.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        using var output = new MemoryStream();
        return compilation.Emit(output).Diagnostics
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => $"{doc} block line {d.Location.GetLineSpan().StartLinePosition.Line + 1 - prelude.Count(c => c == '\n') - directives.Count}: {d.Id}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}")
            .ToList();
    }

    private static List<string> Docs()
    {
        var root = RepositoryRoot();
        var packages = Directory.EnumerateFiles(Path.Combine(root, "src"), "PACKAGE.md", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p).Replace(Path.DirectorySeparatorChar, '/'));
        return ["README.md", .. packages.Order(StringComparer.Ordinal)];
    }

    private static List<(int Line, string Code)> ReadBlocks(string doc)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), doc));
        var blocks = new List<(int, string)>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() is "```csharp" or "```cs" or "```c#")
            {
                var start = i + 1;
                var end = start;
                while (end < lines.Length && lines[end].Trim() != "```")
                {
                    end++;
                }

                blocks.Add((start, string.Join('\n', lines[start..end])));
                i = end;
            }
        }

        return blocks;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Docx2Pdf.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Docx2Pdf.sln was not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^\s*using\s+(static\s+)?[\w.]+(\s*=\s*[\w.<>]+)?\s*;\s*$")]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"\bvar\s+builder\s*=")]
    private static partial Regex DeclaresBuilder();

    [GeneratedRegex(@"\bbuilder\b")]
    private static partial Regex UsesBuilder();
}
