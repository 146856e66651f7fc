namespace Docx2Pdf.PubSub.Pull;

/// <summary>How many conversions the converter runs at once, when Docx2Pdf:PubSub:MaxConcurrentConversions is not set.</summary>
internal sealed class ConcurrencyDefaults
{
    public ConcurrencyDefaults(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        ConverterPoolSize = Environment.ProcessorCount;
    }

    public int ConverterPoolSize { get; }
}
