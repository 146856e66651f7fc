using System.Text.RegularExpressions;
using Docx2Pdf.Testing;

namespace Docx2Pdf.Core.Tests;

/// <summary>
/// The fast layer stays fast on every machine: a test class (in any test project) whose source starts LibreOffice, Kestrel,
/// the Pub/Sub emulator or a storage server carries <c>[Trait("Layer", "Integration")]</c>, on the class or on each of its
/// tests. The fixtures also refuse to start in the fast layer (<see cref="TestLayer"/>); this check also covers a converter
/// built directly with <c>new LibreOfficeConverter(...)</c>, which no fixture sees.
/// </summary>
public sealed partial class TestLayerTests
{
    private const string IntegrationTrait = "[Trait(\"Layer\", \"Integration\")]";

    [Fact]
    public void TestClasses_ThatStartRealComponents_AreMarkedIntegration()
    {
        var unmarked = new List<string>();
        foreach (var file in Directory.EnumerateFiles(RepositoryRoot.Combine("tests"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ||
                file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ||
                Path.GetFileName(file) == "TestLayerTests.cs") // this file names the patterns it looks for
            {
                continue;
            }

            var text = File.ReadAllText(file);
            var classes = ClassDeclaration().Matches(text);
            for (var i = 0; i < classes.Count; i++)
            {
                var body = text[classes[i].Index..(i + 1 < classes.Count ? classes[i + 1].Index : text.Length)];
                var tests = TestMethod().Matches(body);
                if (tests.Count == 0 || !StartsRealComponent().IsMatch(body) || classes[i].Groups["attributes"].Value.Contains(IntegrationTrait, StringComparison.Ordinal))
                {
                    continue;
                }

                // A fixture in the class header concerns every test; otherwise each test that starts something is marked.
                var header = body[..tests[0].Index];
                var unmarkedTests = tests.Where((t, k) =>
                    !t.Groups["attributes"].Value.Contains(IntegrationTrait, StringComparison.Ordinal) &&
                    (StartsRealComponent().IsMatch(header) || StartsRealComponent().IsMatch(body[t.Index..(k + 1 < tests.Count ? tests[k + 1].Index : body.Length)])));
                if (unmarkedTests.Any())
                {
                    unmarked.Add($"{Path.GetRelativePath(RepositoryRoot.Path, file)}: {classes[i].Groups["name"].Value}");
                }
            }
        }

        unmarked.Should().BeEmpty($"a test that starts a real component belongs to the integration layer; mark its class {IntegrationTrait}");
    }

    [Fact]
    public void Audit_ClassThatBuildsAConverterWithoutTrait_IsFound()
    {
        // The check can fail: the same patterns on a made-up unmarked class.
        const string source = "public sealed class X\n{\n    [Fact]\n    public async Task T() { await using var c = new LibreOfficeConverter(o); }\n}\n";

        var classes = ClassDeclaration().Matches(source);

        classes.Should().ContainSingle();
        classes[0].Groups["attributes"].Value.Should().NotContain(IntegrationTrait);
        StartsRealComponent().IsMatch(source).Should().BeTrue();
        TestMethod().Matches(source).Should().ContainSingle();
    }

    // A class declaration with the attribute lines right above it.
    [GeneratedRegex(@"(?<attributes>(^[ \t]*\[.*\][^\n]*\n)*)^[ \t]*(public|internal)\s+(sealed\s+|abstract\s+|static\s+)*(partial\s+)?class\s+(?<name>\w+)", RegexOptions.Multiline)]
    private static partial Regex ClassDeclaration();

    // A test method with the attribute lines above it (from [Fact] or [Theory] down to the signature).
    [GeneratedRegex(@"(?<attributes>^[ \t]*\[(Fact|Theory)[^\n]*\n([ \t]*\[.*\][^\n]*\n)*)", RegexOptions.Multiline)]
    private static partial Regex TestMethod();

    [GeneratedRegex(@"new LibreOfficeConverter\(|LibreOfficeConverter\b[^;\n]*\bnew\(|\.WarmUpAsync\(|LibreOfficeFixture|LibreOfficeCollection|TestServer\.StartAsync|PubSubEmulator\.StartAsync|PullTestEnvironment\.StartAsync|GcsTestServer\.StartAsync|IClassFixture<GcsTestServer>|FirebaseStorageEmulator|OidcTokens\.StartAsync|UseKestrel\(")]
    private static partial Regex StartsRealComponent();
}
