using System.IO.Compression;
using Docx2Pdf.Conversion;

namespace Docx2Pdf.Core.Tests.Pipeline;

/// <summary>One converter shared by every pipeline test class.</summary>
public sealed class ConverterFixture : IAsyncLifetime
{
    internal IDocumentConverter Converter { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Converter = new StandInConverter();
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    // Temporary stand-in until the LibreOffice converter lands on this branch.
    private sealed class StandInConverter : IDocumentConverter
    {
        public Task<ConversionResult> ConvertAsync(Stream input, Stream output, PdfConversionOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public async Task<ConversionResult> ConvertAsync(string inputPath, string outputPath, PdfConversionOptions? options = null, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                using var zip = ZipFile.OpenRead(inputPath);
                if (zip.GetEntry("word/document.xml") is null)
                {
                    throw new DocumentRejectedException(FailureKind.InvalidDocument, "No word/document.xml.");
                }
            }
            catch (InvalidDataException ex)
            {
                throw new DocumentRejectedException(FailureKind.InvalidDocument, "Not a zip.", ex);
            }

            await Task.Delay(50, cancellationToken);
            await File.WriteAllTextAsync(outputPath, "%PDF-1.7\n%stand-in\n", cancellationToken);
            return new ConversionResult(18, TimeSpan.Zero, TimeSpan.Zero);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PipelineConverterCollection : ICollectionFixture<ConverterFixture>
{
    public const string Name = "Pipeline converter";
}
