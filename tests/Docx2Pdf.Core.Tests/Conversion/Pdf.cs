using System.Diagnostics;
using UglyToad.PdfPig;

namespace Docx2Pdf.Core.Tests.Conversion;

/// <summary>Reads facts from produced PDFs: pages with PdfPig, fonts with poppler's pdffonts.</summary>
internal static class Pdf
{
    public static int CountPages(byte[] pdf)
    {
        using var doc = PdfDocument.Open(pdf);
        return doc.NumberOfPages;
    }

    public static string Text(byte[] pdf)
    {
        using var doc = PdfDocument.Open(pdf);
        return string.Join("\n", doc.GetPages().Select(p => p.Text));
    }

    /// <summary>The pdffonts table without the per-file object numbers: name (subset prefix removed), type, encoding, flags.</summary>
    public static IReadOnlyList<string> Fonts(byte[] pdf)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, pdf);
            var psi = new ProcessStartInfo("pdffonts", [path]) { RedirectStandardOutput = true };
            using var p = Process.Start(psi)!;
            var lines = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(2);
            p.WaitForExit();
            return lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Select(c => string.Join(' ', c.Take(c.Length - 2)))
                .Select(s => s.Length > 7 && s[6] == '+' ? s[7..] : s)
                .Order(StringComparer.Ordinal)
                .ToList();
        }
        finally
        {
            File.Delete(path);
        }
    }
}
