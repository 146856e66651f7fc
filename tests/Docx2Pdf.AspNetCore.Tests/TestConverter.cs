using Docx2Pdf.Conversion;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Docx2Pdf.AspNetCore.Tests;

/// <summary>The real LibreOffice converter with a small pool (the machine has 2 cores shared with others).</summary>
public static class TestConverter
{
    public static void Configure(IServiceCollection services, int poolSize, int queueLength = 4)
    {
        services.Configure<LibreOfficeOptions>(o =>
        {
            o.PoolSize = poolSize;
            o.QueueLength = queueLength;
            o.WorkFolder = Path.Combine(Path.GetTempPath(), "docx2pdf-aspnet-tests-lo");
        });

        // AddDocx2Pdf() registers the converter once the pipeline wires it; until then (or in any case) make sure one is there.
        services.TryAddSingleton(sp => new LibreOfficeConverter(
            sp.GetRequiredService<IOptions<LibreOfficeOptions>>(),
            sp.GetRequiredService<ILogger<LibreOfficeConverter>>(),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IDocumentConverter>(sp => sp.GetRequiredService<LibreOfficeConverter>());
        services.AddHostedService<WarmUp>();
    }

    private sealed class WarmUp(LibreOfficeConverter converter) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => converter.WarmUpAsync(cancellationToken).AsTask();

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
