using Docx2Pdf.Conversion;
using Microsoft.Extensions.DependencyInjection;

namespace Docx2Pdf.AspNetCore.Tests;

/// <summary>The real LibreOffice converter AddDocx2Pdf() registers, with a small pool (the machine has 2 cores shared with others).</summary>
public static class TestConverter
{
    public static void Configure(IServiceCollection services, int poolSize, int queueLength = 4) =>
        services.Configure<LibreOfficeOptions>(o =>
        {
            o.PoolSize = poolSize;
            o.QueueLength = queueLength;
            // Generous on a loaded machine: the tests are about outcomes, not durations.
            o.ConversionTimeout = TimeSpan.FromMinutes(10);
            o.QueueTimeout = TimeSpan.FromMinutes(10);
            o.WorkFolder = Path.Combine(Path.GetTempPath(), "docx2pdf-aspnet-tests-lo");
        });
}
