using Docx2Pdf.Storage;

namespace Docx2Pdf.Core.Tests.Storage;

/// <summary>The full contract against <see cref="FileSystemObjectStore"/> on a fresh temporary folder.</summary>
public sealed class ObjectStoreContract_FileSystemTests : ObjectStoreFullContractTests, IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "docx2pdf-fs-contract-" + Guid.NewGuid().ToString("N"));

    public ObjectStoreContract_FileSystemTests()
    {
        Store = new FileSystemObjectStore(new FileSystemObjectStoreOptions { RootPath = _root });
    }

    protected override IObjectStore Store { get; }

    public void Dispose()
    {
        Directory.GetFiles(_root, "*.tmp", SearchOption.AllDirectories).Should().BeEmpty("no write may leave a temporary file");
        Directory.Delete(_root, recursive: true);
    }
}
