using Docx2Pdf.Conversion;
using Docx2Pdf.Testing;

namespace Docx2Pdf.Core.Tests.Conversion;

/// <summary>One warm two-instance converter shared by the conversion tests that do not kill or time out instances.</summary>
public sealed class LibreOfficeFixture : IAsyncLifetime
{
    public LibreOfficeConverter Converter { get; private set; } = null!;

    public string WorkFolder { get; } = TestFolders.Create("shared");

    public async Task InitializeAsync()
    {
        TestLayer.RequireIntegration("LibreOffice");
        Converter = new LibreOfficeConverter(new LibreOfficeOptions
        {
            PoolSize = 2,
            WorkFolder = WorkFolder,
            // Generous on a loaded machine: the tests here are about outcomes, not durations.
            ConversionTimeout = TimeSpan.FromMinutes(10),
            QueueTimeout = TimeSpan.FromMinutes(10),
        });
        await Converter.WarmUpAsync();
    }

    public async Task DisposeAsync()
    {
        await Converter.DisposeAsync();
        Directory.Delete(WorkFolder, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class LibreOfficeCollection : ICollectionFixture<LibreOfficeFixture>
{
    public const string Name = "LibreOffice";
}

internal static class TestFolders
{
    public static string Create(string name)
    {
        var path = Path.Combine(Path.GetTempPath(), "docx2pdf-tests", $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }
}
