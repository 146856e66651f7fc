namespace Docx2Pdf.Core.Tests.Diagnostics;

public sealed class LogTextTests
{
    [Theory]
    [InlineData("reports/q3.docx", "reports/q3.docx")]
    [InlineData("a\r\nINFO forged line.docx", "a\\u000D\\u000AINFO forged line.docx")]
    [InlineData("tab\there", "tab\\u0009here")]
    [InlineData("invoice-\u202Excod.docx", "invoice-\\u202Excod.docx")]
    [InlineData("\u2066isolate\u2069 \u200Emark\u200F \u061C", "\\u2066isolate\\u2069 \\u200Emark\\u200F \\u061C")]
    [InlineData("next\u0085line\u2028sep\u2029", "next\\u0085line\\u2028sep\\u2029")]
    [InlineData("esc\u001B[31mred", "esc\\u001B[31mred")]
    [InlineData("Grüße 文書 😀.docx", "Grüße 文書 😀.docx")]
    public void Escape_UserControlledText_OnlyUnsafeCharactersEscaped(string raw, string expected)
    {
        LogText.Escape(raw).Should().Be(expected);
        new LogText(raw).ToString().Should().Be(expected);
    }

    [Fact]
    public void Escape_LoneSurrogate_Escaped() =>
        LogText.Escape("lone " + (char)0xD800 + " surrogate").Should().Be("lone \\uD800 surrogate");

    [Fact]
    public void ToString_Null_WrittenAsTheFormatterWritesNull() => new LogText(null).ToString().Should().Be("(null)");

    [Fact]
    public void Docx2PdfException_MessageQuotingAName_IsEscaped()
    {
        var ex = new StorageException(FailureKind.StorageTransient, "gs://in/a\nFAKE \u202Eline.docx failed");

        ex.Message.Should().Be("gs://in/a\\u000AFAKE \\u202Eline.docx failed");
    }
}
