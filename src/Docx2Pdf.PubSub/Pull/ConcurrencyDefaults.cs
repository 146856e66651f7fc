using Docx2Pdf.Conversion;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.PubSub.Pull;

/// <summary>How many conversions run at once when Docx2Pdf:PubSub:Pull:MaxConcurrentConversions is not set: the LibreOffice pool size.</summary>
internal sealed class ConcurrencyDefaults
{
    public ConcurrencyDefaults(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        ConverterPoolSize = services.GetService<IOptions<LibreOfficeOptions>>()?.Value.PoolSize is int size and > 0
            ? size
            : Environment.ProcessorCount;
    }

    public int ConverterPoolSize { get; }
}
