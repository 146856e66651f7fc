using System.Runtime.CompilerServices;
using Docx2Pdf.Conversion;

namespace Docx2Pdf.Core.Tests.Conversion;

/// <summary>
/// Lets the conversion tests run on a second LibreOffice without touching the system one:
/// <c>DOCX2PDF_TEST_SOFFICE=/opt/libreoffice-25.2/usr/lib/libreoffice/program/soffice.bin dotnet test ...</c>
/// (bench/libreoffice-private.sh unpacks one there).
/// </summary>
internal static class TestLibreOffice
{
    [ModuleInitializer]
    internal static void UseRequestedLibreOffice()
    {
        if (Environment.GetEnvironmentVariable("DOCX2PDF_TEST_SOFFICE") is { Length: > 0 } soffice)
        {
            LibreOfficeInstallation.SofficePathOverride = soffice;
        }
    }
}
