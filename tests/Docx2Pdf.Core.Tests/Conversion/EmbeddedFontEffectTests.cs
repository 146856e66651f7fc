using Docx2Pdf.Conversion;

namespace Docx2Pdf.Core.Tests.Conversion;

/// <summary>
/// Fonts a document carries must never reach a later document: whatever the layout hides them in, the instance whose
/// embedded-font folder is not empty after a conversion is replaced before it takes another document.
/// </summary>
[Trait("Layer", "Integration")]
public sealed class EmbeddedFontEffectTests : IDisposable
{
    private const string SmuggledFontFile = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";
    private readonly string _workFolder = TestFolders.Create("fonts");

    public void Dispose() => Directory.Delete(_workFolder, recursive: true);

    [Theory]
    [InlineData(FontLayout.Standard)]
    [InlineData(FontLayout.MediaPng)]
    [InlineData(FontLayout.DoctypeInRelationships)]
    [InlineData(FontLayout.UnusualFolder)]
    public async Task ConvertAsync_PlainDocumentAfterSmuggledFont_SameFontsAsFreshInstance(FontLayout layout)
    {
        // Pool of one: without a recycle, the plain document would run in the process that took the font.
        await using var converter = new LibreOfficeConverter(new LibreOfficeOptions { PoolSize = 1, WorkFolder = _workFolder });
        var plain = TestDocuments.Simple("The quick brown fox in Calibri.", "Calibri");
        var reference = Pdf.Fonts(await ConvertAsync(converter, plain)); // a fresh instance
        var before = converter.InstanceProcesses.Single().SofficePid;

        var smuggled = await ConvertAsync(converter, TestDocuments.SmuggledFont(SmuggledFontFile, "Calibri", layout));
        var after = Pdf.Fonts(await ConvertAsync(converter, plain));

        after.Should().Equal(reference);
        reference.Should().NotContain(f => f.Contains("DejaVuSansMono", StringComparison.Ordinal));
        if (Pdf.Fonts(smuggled).Any(f => f.Contains("DejaVuSansMono", StringComparison.Ordinal)))
        {
            converter.InstanceProcesses.Single().SofficePid.Should().NotBe(before, "LibreOffice took the font from the document, so that instance was replaced");
        }
    }

    [Fact]
    public async Task ConvertAsync_FontHiddenAsPicture_LibreOfficeUsesItAndInstanceIsReplaced()
    {
        // The case a structural scan misses: the font is word/media/font1.png under an image relationship.
        await using var converter = new LibreOfficeConverter(new LibreOfficeOptions { PoolSize = 1, WorkFolder = _workFolder });
        await converter.WarmUpAsync();
        var before = converter.InstanceProcesses.Single().SofficePid;

        var smuggled = await ConvertAsync(converter, TestDocuments.SmuggledFont(SmuggledFontFile, "Calibri", FontLayout.MediaPng));

        Pdf.Fonts(smuggled).Should().Contain(f => f.Contains("DejaVuSansMono", StringComparison.Ordinal), "LibreOffice resolves embedded fonts by relationship id, whatever its type");
        await converter.ConvertAsync(new MemoryStream(TestDocuments.Simple("next")), Stream.Null); // waits for the slot's successor
        converter.InstanceProcesses.Single().SofficePid.Should().NotBe(before);
    }

    private static async Task<byte[]> ConvertAsync(LibreOfficeConverter converter, byte[] docx)
    {
        using var output = new MemoryStream();
        await converter.ConvertAsync(new MemoryStream(docx), output);
        return output.ToArray();
    }
}
