using System.Buffers.Binary;
using Docx2Pdf.Conversion;
using Docx2Pdf.Testing;

namespace Docx2Pdf.Core.Tests.Conversion;

/// <summary>
/// The encrypted-package reader on real files and on built ones with hostile headers (issue 9, finding 8): every malformed
/// file is <see cref="FailureKind.InvalidDocument"/>, quickly, and nothing untyped escapes.
/// </summary>
public sealed class EncryptedPackageTests : IDisposable
{
    private const string Password = "secret";

    // A hostile file is answered in milliseconds; the bound only turns "hangs for minutes" into a failure.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private readonly string _folder = TestFolders.Create("encrypted");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Inspect_CorpusAgileFileWithPassword_DecryptsToThePackage()
    {
        var path = Write(File.ReadAllBytes(Corpus.Get("poi/bug53475-password-is-pass.docx").FullPath));

        var facts = DocumentInspector.Inspect(path, new PdfConversionOptions { Password = "pass" }, new LibreOfficeOptions());

        facts.Encrypted.Should().BeTrue();
        facts.DecryptedPath.Should().NotBeNull();
        File.ReadAllBytes(facts.DecryptedPath!).AsSpan(0, 4).ToArray().Should().Equal(0x50, 0x4B, 0x03, 0x04);
    }

    [Theory]
    [InlineData("poi/bug53475-password-is-pass.docx")]
    [InlineData("poi/bug53475-password-is-solrcell.docx")]
    [InlineData("poi/protected_agile.docx")]
    [InlineData("Open-XML-SDK/document_with_password.docx")]
    public void Inspect_CorpusEncryptedFileWrongPassword_IsPasswordProtectedNotMalformed(string localFile)
    {
        var path = Write(File.ReadAllBytes(Corpus.Get(localFile).FullPath));

        try
        {
            // Agile files are checked here; others (standard encryption) are left to LibreOffice with the password.
            var facts = DocumentInspector.Inspect(path, new PdfConversionOptions { Password = "wrong password" }, new LibreOfficeOptions());
            facts.Encrypted.Should().BeTrue();
            facts.DecryptedPath.Should().BeNull();
        }
        catch (DocumentRejectedException ex)
        {
            ex.Kind.Should().Be(FailureKind.PasswordProtected, ex.Message);
        }
    }

    [Theory]
    [InlineData(false)] // package under 4096 bytes: both streams in the mini stream
    [InlineData(true)] // package in regular sectors
    public void Inspect_BuiltAgileFile_DecryptsToTheOriginalPackage(bool large)
    {
        var package = large ? TestDocuments.EmbeddedFont("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", "Calibri") : TestDocuments.Simple("secret text");
        var path = Write(CompoundFiles.Agile(package, Password));

        var facts = DocumentInspector.Inspect(path, new PdfConversionOptions { Password = Password }, new LibreOfficeOptions());

        File.ReadAllBytes(facts.DecryptedPath!).Should().Equal(package);
    }

    [Fact]
    public void Inspect_BuiltAgileFileWrongPassword_RejectsAsPasswordProtected()
    {
        var path = Write(CompoundFiles.Agile(TestDocuments.Simple("x"), Password));

        Run(path, "wrong").Should().Throw<DocumentRejectedException>().Which.Kind.Should().Be(FailureKind.PasswordProtected);
    }

    [Theory]
    [InlineData("spinCount=\"1000\"", "spinCount=\"2000000000\"")] // minutes of CPU before
    [InlineData("spinCount=\"1000\"", "spinCount=\"10000001\"")] // one over MS-OFFCRYPTO's maximum
    [InlineData("spinCount=\"1000\"", "spinCount=\"-1\"")]
    [InlineData("spinCount=\"1000\"", "spinCount=\"many\"")] // FormatException before
    [InlineData("<keyData ", "<keyDataX ")] // null dereference before
    [InlineData("<p:encryptedKey ", "<p:encryptedKeyX ")]
    [InlineData("blockSize=\"16\" keyBits=\"256\" hashSize=\"64\" cipherAlgorithm=\"AES\" cipherChaining=\"ChainingModeCBC\" hashAlgorithm=\"SHA512\" saltValue", "blockSize=\"0\" keyBits=\"256\" hashSize=\"64\" cipherAlgorithm=\"AES\" cipherChaining=\"ChainingModeCBC\" hashAlgorithm=\"SHA512\" saltValue")] // zero-length IV / divide by zero before
    [InlineData("keyBits=\"256\"", "keyBits=\"8\"")]
    [InlineData("hashAlgorithm=\"SHA512\"", "hashAlgorithm=\"MD5\"")]
    [InlineData("saltValue=\"", "saltValue=\"!!")] // invalid base64
    [InlineData("encryptedKeyValue=\"", "encryptedKeyValue=\"AAAA")] // not a whole AES block
    [InlineData("<encryption ", "<!DOCTYPE encryption [<!ENTITY e \"e\">]><encryption ")]
    public void Inspect_HostileDescriptor_RejectsAsInvalidDocument(string find, string replace)
    {
        var path = Write(CompoundFiles.Agile(TestDocuments.Simple("x"), Password, editXml: xml => Replaced(xml, find, replace)));

        RunBounded(path).Should().Be(FailureKind.InvalidDocument);
    }

    [Fact]
    public void Inspect_KeyDataBlockSizeZeroWithRightPassword_RejectsAsInvalidDocument()
    {
        // Before: the password verified, then "length % blockSize" divided by zero (an untyped DivideByZeroException).
        var path = Write(CompoundFiles.Agile(TestDocuments.Simple("x"), Password, editXml: xml =>
        {
            var start = xml.IndexOf("<keyData ", StringComparison.Ordinal);
            var at = xml.IndexOf("blockSize=\"16\"", start, StringComparison.Ordinal);
            return string.Concat(xml.AsSpan(0, at), "blockSize=\"0\"", xml.AsSpan(at + "blockSize=\"16\"".Length));
        }));

        RunBounded(path).Should().Be(FailureKind.InvalidDocument);
    }

    [Fact]
    public void Inspect_PackageSizeFieldLargerThanStream_RejectsAsInvalidDocument()
    {
        var path = Write(CompoundFiles.Agile(TestDocuments.Simple("x"), Password, editPackageStream: s =>
        {
            BinaryPrimitives.WriteUInt64LittleEndian(s, ulong.MaxValue);
            return s;
        }));

        RunBounded(path).Should().Be(FailureKind.InvalidDocument);
    }

    [Theory]
    [InlineData((ushort)0)] // 1 << 0: one-byte sectors
    [InlineData((ushort)2)]
    [InlineData((ushort)7)]
    [InlineData((ushort)40)] // 1 << 40 is 1 << 8 in C#
    [InlineData((ushort)0xFFFF)]
    public void Inspect_SectorShiftOtherThan9Or12_RejectsAsInvalidDocument(ushort shift)
    {
        var file = CompoundFiles.Agile(TestDocuments.Simple("x"), Password);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(0x1E), shift);

        RunBounded(Write(file)).Should().Be(FailureKind.InvalidDocument);
    }

    [Fact]
    public void Inspect_SelfLoopingDirectoryChain_RejectsAsInvalidDocument()
    {
        // Before: the chain was followed a million times, gathering 512 MB, then read as four million directory entries.
        var file = CompoundFiles.Agile(TestDocuments.Simple("x"), Password, out var layout);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(CompoundFiles.Layout.FatEntryOffset(layout.DirectorySector)), layout.DirectorySector);

        RunBounded(Write(file)).Should().Be(FailureKind.InvalidDocument);
    }

    [Fact]
    public void Inspect_SelfLoopingStreamChain_RejectsAsInvalidDocument()
    {
        var package = TestDocuments.EmbeddedFont("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", "Calibri");
        var file = CompoundFiles.Agile(package, Password, out var layout);
        var start = layout.StreamStarts["EncryptedPackage"];
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(CompoundFiles.Layout.FatEntryOffset(start + 1)), start + 1);

        RunBounded(Write(file)).Should().Be(FailureKind.InvalidDocument);
    }

    [Fact]
    public void Inspect_ChainPointingPastTheFile_RejectsAsInvalidDocument()
    {
        var file = CompoundFiles.Agile(TestDocuments.Simple("x"), Password, out var layout);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(CompoundFiles.Layout.FatEntryOffset(layout.DirectorySector)), 0x00FFFFFF);

        RunBounded(Write(file)).Should().Be(FailureKind.InvalidDocument);
    }

    [Fact]
    public void Inspect_StreamLargerThanFile_RejectsAsInvalidDocument()
    {
        var file = CompoundFiles.Agile(TestDocuments.Simple("x"), Password, out var layout);
        var second = CompoundFiles.Layout.SectorOffset(layout.DirectorySector) + 128;
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(second + 120), uint.MaxValue);

        RunBounded(Write(file)).Should().Be(FailureKind.InvalidDocument);
    }

    [Fact]
    public void Inspect_TruncatedFile_RejectsAsInvalidDocument()
    {
        var package = TestDocuments.EmbeddedFont("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", "Calibri");
        var file = CompoundFiles.Agile(package, Password);

        RunBounded(Write(file[..(file.Length / 2)])).Should().Be(FailureKind.InvalidDocument);
    }

    [Fact]
    public void Inspect_MaximumSpinCountCancelled_StopsWithCancellation()
    {
        // Ten million rounds is legal (seconds of CPU); a cancelled caller must not pay for them.
        var path = Write(CompoundFiles.Agile(TestDocuments.Simple("x"), Password, editXml: xml => Replaced(xml, "spinCount=\"1000\"", "spinCount=\"10000000\"")));
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        var act = () => DocumentInspector.Inspect(path, new PdfConversionOptions { Password = Password }, new LibreOfficeOptions(), cancelled.Token);

        act.Should().Throw<OperationCanceledException>();
    }

    private static string Replaced(string xml, string find, string replace)
    {
        xml.Should().Contain(find, "the test edits a value the builder writes");
        return xml.Replace(find, replace, StringComparison.Ordinal);
    }

    private static Action Run(string path, string password) =>
        () => DocumentInspector.Inspect(path, new PdfConversionOptions { Password = password }, new LibreOfficeOptions());

    /// <summary>The failure kind, or a test failure naming the untyped exception or the hang.</summary>
    private static FailureKind RunBounded(string path)
    {
        var task = Task.Run(() =>
        {
            try
            {
                DocumentInspector.Inspect(path, new PdfConversionOptions { Password = Password }, new LibreOfficeOptions());
                return (FailureKind?)null;
            }
            catch (DocumentRejectedException ex)
            {
                return ex.Kind;
            }
        });
        task.Wait(Bound).Should().BeTrue("a hostile file must be answered without minutes of work");
        task.Result.Should().NotBeNull("a hostile file must be rejected");
        return task.Result!.Value;
    }

    private string Write(byte[] bytes)
    {
        var path = Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".docx");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
