using Docx2Pdf.Conversion;

namespace Docx2Pdf.Core.Tests.Conversion;

// One table of formats: every InputFormat has exactly one entry, and every lookup answers from it.
public sealed class DocumentFormatsTests
{
    [Fact]
    public void All_OneEntryPerInputFormat()
    {
        DocumentFormats.All.Select(f => f.Format).Should().BeEquivalentTo(Enum.GetValues<InputFormat>());
        DocumentFormats.All.Select(f => f.Extension).Should().OnlyHaveUniqueItems();
    }

    [Theory]
    [InlineData(".docx", InputFormat.Docx)]
    [InlineData(".DOC", InputFormat.Doc)]
    [InlineData(".odt", InputFormat.Odt)]
    [InlineData(".Rtf", InputFormat.Rtf)]
    public void FromExtension_KnownAnyCase_Format(string extension, InputFormat expected) =>
        DocumentFormats.FromExtension(extension)!.Format.Should().Be(expected);

    [Theory]
    [InlineData(".pdf")]
    [InlineData("docx")]
    [InlineData(null)]
    public void FromExtension_Unknown_NullNotADefault(string? extension) =>
        DocumentFormats.FromExtension(extension).Should().BeNull("no silent default to .docx");

    [Theory]
    [InlineData("text/rtf", InputFormat.Rtf)]
    [InlineData("APPLICATION/MSWORD", InputFormat.Doc)]
    public void FromMediaType_Known_Format(string mediaType, InputFormat expected) =>
        DocumentFormats.FromMediaType(mediaType)!.Format.Should().Be(expected);

    [Fact]
    public void FilterFor_ComesFromTheTable() =>
        DocumentInspector.FilterFor(InputFormat.Odt).Should().Be(DocumentFormats.Of(InputFormat.Odt).ImportFilter).And.Be("writer8");
}
