using Docx2Pdf;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// The configuration section Docx2Pdf was added with: the one passed to <c>AddDocx2Pdf(section)</c>, else the host's
/// <c>Docx2Pdf</c> section. Every adapter binds its settings relative to it (<c>PubSub:Push</c>, <c>PubSub:Pull</c>,
/// <c>Convert</c>), so moving Docx2Pdf to another section moves all of it.
/// </summary>
internal sealed class Docx2PdfConfiguration(IConfiguration? explicitSection)
{
    /// <summary>The section, or <see langword="null"/> when neither an explicit section nor a host configuration exists.</summary>
    public IConfiguration? Section(IServiceProvider services) =>
        explicitSection ?? services.GetService<IConfiguration>()?.GetSection(Docx2PdfOptions.SectionName);

    /// <summary>
    /// The subsection for an options type whose <c>SectionName</c> is <paramref name="fullSectionName"/> (for example
    /// <c>Docx2Pdf:PubSub:Push</c>), relative to <see cref="Section"/>.
    /// </summary>
    public IConfiguration? SubSection(IServiceProvider services, string fullSectionName) =>
        Section(services)?.GetSection(Relative(fullSectionName));

    /// <summary>The part of a full section name below <c>Docx2Pdf:</c>.</summary>
    public static string Relative(string fullSectionName) =>
        fullSectionName.StartsWith(Docx2PdfOptions.SectionName + ":", StringComparison.Ordinal)
            ? fullSectionName[(Docx2PdfOptions.SectionName.Length + 1)..]
            : fullSectionName;

    /// <summary>
    /// Binds <paramref name="section"/> into <paramref name="options"/>, then replaces (rather than appends to) every list a
    /// configured key names, so a configured list means exactly what it says.
    /// </summary>
    public static void BindReplacingLists<T>(IConfiguration section, T options, params (string Key, Action<IConfigurationSection> Replace)[] lists)
        where T : class
    {
        section.Bind(options);
        foreach (var (key, replace) in lists)
        {
            var child = section.GetSection(key);
            if (child.GetChildren().Any())
            {
                replace(child);
            }
        }
    }
}
