using Docx2Pdf.Storage;

namespace Docx2Pdf.Core.Tests.Storage;

// Cloud Storage's naming rules as Google documents them, written once (cloud.google.com/storage/docs/buckets#naming, objects#naming).
public sealed class CloudStorageNamesTests
{
    [Theory]
    [InlineData("abc")]
    [InlineData("my-bucket_01")]
    [InlineData("docs.example.com")]
    [InlineData("a23456789012345678901234567890123456789012345678901234567890123")] // 63
    public void CheckBucketName_Valid_Null(string name) =>
        CloudStorageNames.CheckBucketName(name).Should().BeNull();

    [Theory]
    [InlineData("ab")] // too short
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234")] // 64 without dots
    [InlineData("Upper-Case")]
    [InlineData("-starts-with-dash")]
    [InlineData("ends-with-dash-")]
    [InlineData("has space")]
    [InlineData("192.168.5.4")]
    [InlineData("goog-bucket")]
    [InlineData("my-google-bucket")]
    [InlineData("a..b")]
    [InlineData("../etc")]
    public void CheckBucketName_Invalid_SaysWhy(string name) =>
        CloudStorageNames.CheckBucketName(name).Should().NotBeNullOrWhiteSpace();

    [Fact]
    public void CheckBucketName_DottedUpTo222WithPartsUpTo63_Valid()
    {
        var part = new string('a', 63);
        var name = string.Join('.', part, part, part, new string('b', 30)); // 63*3 + 30 + 3 dots = 222

        name.Length.Should().Be(222);
        CloudStorageNames.CheckBucketName(name).Should().BeNull();
        CloudStorageNames.CheckBucketName(name + "c").Should().NotBeNull("223 characters is over the dotted limit");
        CloudStorageNames.CheckBucketName(new string('a', 64) + ".b").Should().NotBeNull("a dot-separated part over 63");
    }

    [Theory]
    [InlineData("a")]
    [InlineData("../x.docx")]
    [InlineData("emoji 😀 file.docx")]
    [InlineData("a/.well-known/acme-challenge/x")]
    public void CheckObjectName_Valid_Null(string name) =>
        CloudStorageNames.CheckObjectName(name).Should().BeNull();

    [Theory]
    [InlineData("")]
    [InlineData("line\nbreak")]
    [InlineData("carriage\rreturn")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData(".well-known/acme-challenge/x")]
    public void CheckObjectName_Invalid_SaysWhy(string name) =>
        CloudStorageNames.CheckObjectName(name).Should().NotBeNullOrWhiteSpace();

    [Fact]
    public void CheckObjectName_UnpairedSurrogate_Invalid() =>
        CloudStorageNames.CheckObjectName("bad\ud800").Should().Contain("Unicode");

    [Theory]
    [InlineData("line\nbreak")]
    [InlineData("..")]
    public void CheckExistingObjectName_NamesOlderObjectsMayHave_Valid(string name) =>
        CloudStorageNames.CheckExistingObjectName(name).Should().BeNull("an event for such an object is a valid event; the pipeline decides it cannot write its PDF");

    [Fact]
    public void CheckObjectName_OneLimitOf1024Utf8Bytes()
    {
        CloudStorageNames.CheckObjectName(string.Concat(Enumerable.Repeat("é", 512))).Should().BeNull("512 two-byte characters are 1,024 bytes");
        CloudStorageNames.CheckObjectName(string.Concat(Enumerable.Repeat("é", 512)) + "a").Should().Contain("1025");
    }
}
