using Docx2Pdf.Storage;
using Docx2Pdf.Testing.Storage;

namespace Docx2Pdf.Core.Tests.Storage;

/// <summary>
/// The base contract against <see cref="GcsObjectStore"/> over HTTP to the Firebase Storage emulator (npm firebase-tools).
/// Derives from <see cref="ObjectStoreContractTests"/>, not <see cref="ObjectStoreFullContractTests"/>: the emulator ignores
/// every precondition (ifGenerationMatch=0 silently overwrites) and truncates resumable uploads of more than one chunk, so
/// those cases run against <see cref="ObjectStoreContract_GcsTestServerTests"/> and the file system store instead. The chunk
/// size is set above every object these tests upload for the same reason.
/// </summary>
[Trait("Layer", "Integration")]
public sealed class ObjectStoreContract_FirebaseEmulatorTests : ObjectStoreContractTests, IClassFixture<FirebaseStorageEmulator>, IDisposable
{
    private readonly GcsObjectStore _store;

    public ObjectStoreContract_FirebaseEmulatorTests(FirebaseStorageEmulator emulator)
    {
        _store = new GcsObjectStore(new GcsObjectStoreOptions
        {
            BaseUri = emulator.BaseUri,
            UnauthenticatedAccess = true,
            ChunkSize = 16 * 1024 * 1024,
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        });
    }

    protected override IObjectStore Store => _store;

    public void Dispose() => _store.Dispose();
}
