using Docx2Pdf.Conversion;

namespace Docx2Pdf.PubSub.Tests;

/// <summary>The real converter, with calls counted and an optional delay before each conversion (a slow document).</summary>
internal sealed class CountingConverter(IDocumentConverter inner, TimeSpan delay) : IDocumentConverter
{
    private int _started;

    public int Started => Volatile.Read(ref _started);

    public async Task<ConversionResult> ConvertAsync(Stream input, Stream output, PdfConversionOptions? options = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _started);
        await Task.Delay(delay, cancellationToken);
        return await inner.ConvertAsync(input, output, options, cancellationToken);
    }

    public async Task<ConversionResult> ConvertAsync(string inputPath, string outputPath, PdfConversionOptions? options = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _started);
        await Task.Delay(delay, cancellationToken);
        return await inner.ConvertAsync(inputPath, outputPath, options, cancellationToken);
    }
}
