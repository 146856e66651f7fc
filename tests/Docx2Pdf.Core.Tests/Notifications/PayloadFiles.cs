using System.Text;
using System.Text.Json;

namespace Docx2Pdf.Core.Tests.Notifications;

/// <summary>Reads the fixtures in Payloads/ (see Payloads/README.md for where each comes from).</summary>
internal static class PayloadFiles
{
    public static byte[] Bytes(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Notifications", "Payloads", name));

    public static List<KeyValuePair<string, string>> Headers(string name)
    {
        using var document = JsonDocument.Parse(Bytes(name));
        return document.RootElement.EnumerateArray()
            .Select(pair => KeyValuePair.Create(pair[0].GetString()!, pair[1].GetString()!))
            .ToList();
    }

    /// <summary>The headers with lower-cased names, as HTTP/2 and ASP.NET Core may present them.</summary>
    public static List<KeyValuePair<string, string>> LowerCased(IEnumerable<KeyValuePair<string, string>> headers) =>
        headers.Select(h => KeyValuePair.Create(h.Key.ToLowerInvariant(), h.Value)).ToList();

    public static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

    public static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
