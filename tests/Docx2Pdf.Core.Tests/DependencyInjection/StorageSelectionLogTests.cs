using Docx2Pdf.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Docx2Pdf.Core.Tests.DependencyInjection;

// The store is chosen by a rule (README "Which store"); the start-up log says which store and what chose it.
[Collection(EnvironmentCollection.Name)]
public sealed class StorageSelectionLogTests
{
    [Theory]
    [InlineData("K_SERVICE", "docx2pdf", "CloudStorage", "K_SERVICE")]
    [InlineData(null, null, "FileSystem", "the default")]
    public void IObjectStore_Resolved_LogsTheStoreAndWhatChoseIt(string? variable, string? value, string expectedStore, string expectedReason)
    {
        using var env = variable is null ? EnvironmentScope.Clean() : EnvironmentScope.Clean((variable, value));
        var services = new ServiceCollection();
        services.AddFakeLogging();
        services.AddDocx2Pdf(o => o.OutputBucket = "pdfs");
        using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<IObjectStore>();

        (store as IDisposable)?.Dispose();
        var record = provider.GetFakeLogCollector().GetSnapshot().Should().ContainSingle(r => r.Id.Id == 413).Subject;
        record.Level.Should().Be(LogLevel.Information);
        record.Message.Should().Contain(expectedStore).And.Contain(expectedReason).And.Contain("pdfs");
    }

    [Fact]
    public void IObjectStore_ProviderConfigured_LogNamesTheSetting()
    {
        using var env = EnvironmentScope.Clean(("K_SERVICE", "docx2pdf"));
        var services = new ServiceCollection();
        services.AddFakeLogging();
        services.AddDocx2Pdf(o =>
        {
            o.OutputBucket = "pdfs";
            o.Storage.Provider = StorageProvider.FileSystem;
        });
        using var provider = services.BuildServiceProvider();

        _ = provider.GetRequiredService<IObjectStore>();

        provider.GetFakeLogCollector().GetSnapshot().Single(r => r.Id.Id == 413).Message.Should().Contain("FileSystem").And.Contain("Docx2Pdf:Storage:Provider");
    }
}
