using Docx2Pdf.Storage;
using Docx2Pdf.Testing.Storage;

namespace Docx2Pdf.Core.Tests.Storage;

/// <summary>
/// The full contract against <see cref="GcsObjectStore"/> over HTTP to <see cref="GcsTestServer"/>, the in-test JSON API
/// server that implements preconditions and multi-chunk resumable uploads. Chunks of 256 KiB and no single-request
/// shortcut, so every upload above 256 KiB takes several chunks.
/// </summary>
[Trait("Layer", "Integration")]
public sealed class ObjectStoreContract_GcsTestServerTests : ObjectStoreFullContractTests, IClassFixture<GcsTestServer>, IDisposable
{
    private readonly GcsObjectStore _store;

    public ObjectStoreContract_GcsTestServerTests(GcsTestServer server)
    {
        _store = new GcsObjectStore(new GcsObjectStoreOptions
        {
            BaseUri = server.BaseUri,
            UnauthenticatedAccess = true,
            ChunkSize = 256 * 1024,
            SingleRequestUploadThreshold = 0,
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        });
    }

    protected override IObjectStore Store => _store;

    public void Dispose() => _store.Dispose();
}
