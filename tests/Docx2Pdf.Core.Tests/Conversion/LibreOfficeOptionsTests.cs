using Docx2Pdf.Conversion;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.Core.Tests.Conversion;

public sealed class LibreOfficeOptionsTests
{
    [Fact]
    [Trait("Layer", "Integration")] // validation locates the installed LibreOffice (it starts none)
    public void Validate_Defaults_Succeeds()
    {
        new LibreOfficeOptionsRulesValidator().Validate(null, new LibreOfficeOptions()).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void Validate_BadValues_MessagesNameTheSettings()
    {
        var result = LibreOfficeOptionsRulesValidator.ValidateAll(new LibreOfficeOptions { PoolSize = 0, ConversionTimeout = TimeSpan.Zero, QueueTimeout = TimeSpan.FromSeconds(-1) });

        result.Failed.Should().BeTrue();
        result.Failures.Should().Contain(f => f.Contains("Docx2Pdf:LibreOffice:PoolSize"))
            .And.Contain(f => f.Contains("Docx2Pdf:LibreOffice:ConversionTimeout"))
            .And.Contain(f => f.Contains("Docx2Pdf:LibreOffice:QueueTimeout"));
    }

    [Fact]
    public void Validate_SofficeMissing_SaysHowToInstall()
    {
        var result = new LibreOfficeOptionsRulesValidator().Validate(null, new LibreOfficeOptions { SofficePath = "/nonexistent/soffice" });

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("Docx2Pdf:LibreOffice:SofficePath")
            .And.Contain("apt-get install --no-install-recommends libreoffice-writer python3-uno");
    }

    [Fact]
    [Trait("Layer", "Integration")] // validation locates the installed LibreOffice (it starts none)
    public void AddLibreOfficeConverter_BoundFromConfiguration_ResolvesConverterWithThoseSettings()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Docx2Pdf:LibreOffice:PoolSize"] = "3",
            ["Docx2Pdf:LibreOffice:SofficePath"] = "/usr/bin/soffice",
        }).Build();
        var services = new ServiceCollection().AddLogging();

        services.AddLibreOfficeConverter(configuration.GetSection(LibreOfficeOptions.SectionName));
        services.AddLibreOfficeConverter(configuration.GetSection(LibreOfficeOptions.SectionName));
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IOptions<LibreOfficeOptions>>().Value.PoolSize.Should().Be(3);
        var converter = provider.GetRequiredService<IDocumentConverter>();
        converter.Should().BeSameAs(provider.GetRequiredService<LibreOfficeConverter>());
        ((LibreOfficeConverter)converter).PoolSize.Should().Be(3);
        ((LibreOfficeConverter)converter).ReadyInstances.Should().Be(0);
    }

    [Fact]
    public void AddLibreOfficeConverter_InvalidSetting_FailsValidationNamingIt()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddLibreOfficeConverter(configure: o => o.PoolSize = 0);
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<LibreOfficeOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().WithMessage("*Docx2Pdf:LibreOffice:PoolSize*");
    }
}
