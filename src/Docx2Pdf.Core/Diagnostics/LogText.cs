using System.Globalization;
using System.Text;

namespace Docx2Pdf;

/// <summary>
/// A string that came from outside (object and bucket names, message ids, attribute values, CloudEvent subjects, a
/// third party's message), written into a log line. Control characters (CR, LF, tab, every C0 and C1 character),
/// Unicode line and paragraph separators, bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C)
/// and unpaired surrogates become <c>\uXXXX</c>, so no value can start a forged line or make a line read differently
/// from how it is stored. Every <c>[LoggerMessage]</c> string parameter of this library is a <see cref="LogText"/>; the
/// implicit conversion keeps call sites unchanged.
/// </summary>
internal readonly struct LogText : IEquatable<LogText>
{
    private readonly string? _value;

    public LogText(string? value) => _value = value;

    public static implicit operator LogText(string? value) => new(value);

    /// <summary>The escaped text; <c>(null)</c> for a null string, as the logging formatter writes it.</summary>
    public override string ToString() => _value is null ? "(null)" : Escape(_value);

    /// <summary>Returns <paramref name="value"/> with every character that could forge or disguise a log line escaped.</summary>
    public static string Escape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var first = FirstUnsafe(value);
        if (first < 0)
        {
            return value;
        }

        var escaped = new StringBuilder(value.Length + 16);
        escaped.Append(value, 0, first);
        for (var i = first; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                escaped.Append(c).Append(value[++i]);
            }
            else if (IsUnsafe(c))
            {
                escaped.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else
            {
                escaped.Append(c);
            }
        }

        return escaped.ToString();
    }

    public bool Equals(LogText other) => string.Equals(_value, other._value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is LogText other && Equals(other);

    public override int GetHashCode() => _value is null ? 0 : StringComparer.Ordinal.GetHashCode(_value);

    public static bool operator ==(LogText left, LogText right) => left.Equals(right);

    public static bool operator !=(LogText left, LogText right) => !left.Equals(right);

    private static int FirstUnsafe(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (IsUnsafe(c))
            {
                return i;
            }
        }

        return -1;
    }

    // Surrogates reaching here are unpaired.
    private static bool IsUnsafe(char c) =>
        char.IsControl(c) || char.IsSurrogate(c) ||
        c is '\u2028' or '\u2029' or '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');
}
