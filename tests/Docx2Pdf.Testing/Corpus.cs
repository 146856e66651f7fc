// Compiled into the test library and, as a linked file, into bench/Docx2Pdf.Benchmarks: one corpus reader for both.
namespace Docx2Pdf.Testing;

/// <summary>The real-world corpus the repository carries (tests/corpus) and its MANIFEST.tsv.</summary>
public static class Corpus
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);
    private static readonly Lazy<IReadOnlyList<CorpusDocument>> LazyDocuments = new(Load);

    /// <summary>The corpus folder. Override with DOCX2PDF_CORPUS.</summary>
    public static string Root => LazyRoot.Value;

    public static IReadOnlyList<CorpusDocument> Documents => LazyDocuments.Value;

    public static CorpusDocument Get(string localFile) =>
        Documents.Single(d => d.LocalFile == localFile);

    /// <summary>
    /// Documents that must convert: not malformed, not encrypted, and not the XXE case (kind <c>edge-xxe</c>), which the
    /// converter rejects as invalid on purpose. The one definition, used by the tests and the benchmark alike.
    /// </summary>
    public static IEnumerable<CorpusDocument> Convertible =>
        Documents.Where(d => !d.Kind.StartsWith("malformed", StringComparison.Ordinal) && d.Kind is not "encrypted" and not "edge-xxe");

    private static string FindRoot()
    {
        var fromEnv = Environment.GetEnvironmentVariable("DOCX2PDF_CORPUS");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return fromEnv;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "corpus", "MANIFEST.tsv");
            if (File.Exists(candidate))
            {
                return Path.GetDirectoryName(candidate)!;
            }
        }

        throw new InvalidOperationException("The test corpus was not found: expected tests/corpus/MANIFEST.tsv in the checkout, or set DOCX2PDF_CORPUS.");
    }

    private static List<CorpusDocument> Load()
    {
        var lines = File.ReadAllLines(Path.Combine(Root, "MANIFEST.tsv"));
        var header = lines[0].Split('\t');
        int Col(string name) => Array.IndexOf(header, name);
        int file = Col("local_file"), kind = Col("kind"), bytes = Col("bytes");
        return lines.Skip(1)
            .Where(l => l.Length > 0)
            .Select(l => l.Split('\t'))
            .Select(c => new CorpusDocument(c[file], c[kind], long.Parse(c[bytes], System.Globalization.CultureInfo.InvariantCulture), Path.Combine(Root, c[file])))
            .ToList();
    }
}

public sealed record CorpusDocument(string LocalFile, string Kind, long Bytes, string FullPath)
{
    public override string ToString() => LocalFile;
}
