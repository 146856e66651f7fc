using Docx2Pdf.Testing;

namespace Docx2Pdf.Core.Tests;

public sealed class CorpusTests
{
    [Fact]
    public void Manifest_ListsExistingFiles_AllPresent()
    {
        Corpus.Documents.Should().NotBeEmpty();
        Corpus.Documents.Should().OnlyContain(d => File.Exists(d.FullPath));
    }
}
