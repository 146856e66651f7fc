namespace Docx2Pdf.Testing;

/// <summary>The checkout the tests run from: the folder holding Docx2Pdf.sln.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> LazyPath = new(Find);

    public static string Path => LazyPath.Value;

    /// <summary>A path inside the checkout, from '/'-separated parts.</summary>
    public static string Combine(string relative) => System.IO.Path.Combine(Path, relative);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Docx2Pdf.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Docx2Pdf.sln above {AppContext.BaseDirectory}.");
    }
}
