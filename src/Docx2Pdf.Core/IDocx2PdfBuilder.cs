namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Returned by <c>AddDocx2Pdf()</c>; adapter packages add their services through it (for example <c>AddPubSubPullConversion()</c>).</summary>
public interface IDocx2PdfBuilder
{
    /// <summary>The service collection Docx2Pdf was added to.</summary>
    IServiceCollection Services { get; }
}
