using System.Collections;
using System.Reflection;
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
    /// Binds <paramref name="section"/> into <paramref name="options"/> the one way every Docx2Pdf options type is bound: a
    /// list (or dictionary) the section configures replaces the default instead of being appended to it, at any depth
    /// (<c>Extensions</c>, <c>LibreOffice:EnabledFormats</c>, <c>PubSub:Push:GoogleOidc:Issuers</c>, ...), so a configured
    /// list means exactly what it says. Lists the section does not mention keep their defaults.
    /// </summary>
    public static void Bind(IConfiguration section, object options)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(options);
        ClearConfiguredCollections(section, options);
        section.Bind(options);
    }

    // ConfigurationBinder appends to a collection that already holds items; emptying the configured ones first makes it replace.
    private static void ClearConfiguredCollections(IConfiguration section, object options)
    {
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!property.CanRead || property.GetIndexParameters().Length != 0 || property.PropertyType == typeof(string) || property.PropertyType.IsValueType)
            {
                continue;
            }

            var child = section.GetSection(property.Name);
            if (!child.GetChildren().Any())
            {
                continue;
            }

            switch (property.GetValue(options))
            {
                case IList { IsFixedSize: false, IsReadOnly: false } list:
                    list.Clear();
                    break;
                case IDictionary { IsFixedSize: false, IsReadOnly: false } dictionary:
                    dictionary.Clear();
                    break;
                case Uri or Delegate or null:
                    break;
                case { } nested:
                    ClearConfiguredCollections(child, nested);
                    break;
            }
        }
    }
}
