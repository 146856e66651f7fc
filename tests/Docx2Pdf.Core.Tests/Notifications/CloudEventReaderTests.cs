using System.Text;
using CloudNative.CloudEvents;
using Docx2Pdf.Notifications;

namespace Docx2Pdf.Core.Tests.Notifications;

public sealed class CloudEventReaderTests
{
    private static readonly byte[] BinaryBody = PayloadFiles.Bytes("eventarc-binary-finalized.body.json");

    private static List<KeyValuePair<string, string>> BinaryHeaders() => PayloadFiles.Headers("eventarc-binary-finalized.headers.json");

    [Fact]
    public void FromBinaryCloudEvent_EventarcSample_ReadsEvent()
    {
        var e = StorageEventReader.FromBinaryCloudEvent(BinaryHeaders(), "application/json", BinaryBody);

        e.Bucket.Should().Be("sample-bucket");
        e.ObjectName.Should().Be("folder/Test.docx");
        e.Generation.Should().Be(1587627537231057);
        e.Size.Should().Be(352);
        e.EventType.Should().Be(StorageEventType.Finalize);
        e.RawEventType.Should().Be("google.cloud.storage.object.v1.finalized");
        e.MessageId.Should().Be("123451234512345");
        e.EventTime.Should().Be(new DateTimeOffset(2020, 1, 2, 12, 34, 56, 789, TimeSpan.Zero));
        e.DeliveryAttempt.Should().BeNull();
    }

    [Fact]
    public void FromBinaryCloudEvent_UpperCaseHeaderNamesAndCharset_ReadsEvent()
    {
        var headers = BinaryHeaders().Select(h => KeyValuePair.Create(h.Key.ToUpperInvariant(), h.Value));

        var e = StorageEventReader.FromBinaryCloudEvent(headers, "application/json; charset=utf-8", BinaryBody);

        e.ObjectName.Should().Be("folder/Test.docx");
    }

    [Fact]
    public void FromBinaryCloudEvent_PercentEncodedUnicodeSubject_DecodesExactly()
    {
        const string Name = "отчёты/年报 2024 #1?.docx";
        var headers = BinaryHeaders().Select(h => h.Key == "ce-subject" ? KeyValuePair.Create(h.Key, "objects/" + Uri.EscapeDataString(Name)) : h);
        var body = Encoding.UTF8.GetBytes($$"""{"bucket":"sample-bucket","name":{{System.Text.Json.JsonSerializer.Serialize(Name)}},"generation":"9"}""");

        var e = StorageEventReader.FromBinaryCloudEvent(headers, "application/json", body);

        e.ObjectName.Should().Be(Name);
        e.Generation.Should().Be(9);
    }

    [Fact]
    public void FromBinaryCloudEvent_DeletedWithoutBody_UsesSubjectAndSource()
    {
        var headers = BinaryHeaders().Select(h => h.Key == "ce-type" ? KeyValuePair.Create(h.Key, "google.cloud.storage.object.v1.deleted") : h);

        var e = StorageEventReader.FromBinaryCloudEvent(headers, null, ReadOnlySpan<byte>.Empty);

        (e.Bucket, e.ObjectName, e.EventType, e.Generation).Should().Be(("sample-bucket", "folder/Test.docx", StorageEventType.Delete, (long?)null));
    }

    [Fact]
    public void FromBinaryCloudEvent_StructuredContentType_ReadsStructured()
    {
        var e = StorageEventReader.FromBinaryCloudEvent([], "application/cloudevents+json; charset=utf-8", PayloadFiles.Bytes("eventarc-structured-finalized.json"));

        e.ObjectName.Should().Be("MyFile");
    }

    [Fact]
    public void FromStructuredCloudEvent_GoogleSample_ReadsNumericInt64s()
    {
        var e = StorageEventReader.FromStructuredCloudEvent(PayloadFiles.Bytes("eventarc-structured-finalized.json"));

        e.Bucket.Should().Be("sample-bucket");
        e.ObjectName.Should().Be("MyFile");
        e.Generation.Should().Be(96883251);
        e.Size.Should().Be(0);
        e.ContentType.Should().Be("text/plain");
        e.EventType.Should().Be(StorageEventType.Finalize);
        e.MessageId.Should().Be("1234567");
        e.PublishTime.Should().Be(new DateTimeOffset(2021, 11, 25, 21, 4, 32, TimeSpan.Zero).AddTicks(2797440));
    }

    [Fact]
    public void FromStructuredCloudEvent_WithBom_ReadsEvent()
    {
        var body = "\uFEFF"u8.ToArray().Concat(PayloadFiles.Bytes("eventarc-structured-finalized.json")).ToArray();

        StorageEventReader.FromStructuredCloudEvent("application/cloudevents+json", body).ObjectName.Should().Be("MyFile");
    }

    [Fact]
    public void FromStructuredCloudEvent_DataBase64_ReadsEvent()
    {
        var data = PayloadFiles.Base64("""{"bucket":"b-1","name":"a b.docx","generation":"3"}""");
        var body = PayloadFiles.Utf8($$"""{"specversion":"1.0","id":"x","type":"google.cloud.storage.object.v1.finalized","source":"//storage.googleapis.com/projects/_/buckets/b-1","subject":"objects/a b.docx","datacontenttype":"application/json","data_base64":"{{data}}"}""");

        var e = StorageEventReader.FromStructuredCloudEvent(body);

        (e.ObjectName, e.Generation).Should().Be(("a b.docx", 3L));
    }

    [Fact]
    public void FromCloudEvent_SdkEventWithJsonElementData_ReadsEvent()
    {
        using var data = System.Text.Json.JsonDocument.Parse("""{"bucket":"b-1","name":"dir/a.docx","generation":"44","size":"10"}""");
        var cloudEvent = new CloudEvent
        {
            Id = "e-1",
            Type = "google.cloud.storage.object.v1.archived",
            Source = new Uri("//storage.googleapis.com/projects/_/buckets/b-1", UriKind.RelativeOrAbsolute),
            Subject = "objects/dir/a.docx",
            Data = data.RootElement.Clone(),
        };

        var e = StorageEventReader.FromCloudEvent(cloudEvent);

        (e.Bucket, e.ObjectName, e.Generation, e.Size, e.EventType).Should().Be(("b-1", "dir/a.docx", 44L, 10L, StorageEventType.Archive));
    }

    [Fact]
    public void FromCloudEvent_UnknownType_IsNotAnError()
    {
        var cloudEvent = new CloudEvent
        {
            Id = "e-1",
            Type = "google.cloud.storage.object.v2.somethingNew",
            Source = new Uri("//storage.googleapis.com/projects/_/buckets/b-1", UriKind.RelativeOrAbsolute),
            Subject = "objects/a.docx",
        };

        var e = StorageEventReader.FromCloudEvent(cloudEvent);

        e.EventType.Should().Be(StorageEventType.Unknown);
        e.RawEventType.Should().Be("google.cloud.storage.object.v2.somethingNew");
    }

    [Theory]
    [InlineData("text/plain", "Content-Type")]
    [InlineData("application/x-www-form-urlencoded", "Content-Type")]
    [InlineData("application/cloudevents-batch+json", "Content-Type")]
    public void FromBinaryCloudEvent_WrongContentType_ThrowsNamingContentType(string contentType, string field)
    {
        var act = () => StorageEventReader.FromBinaryCloudEvent(BinaryHeaders(), contentType, BinaryBody);

        act.Should().Throw<InvalidMessageException>().Which.Field.Should().Be(field);
    }

    [Theory]
    [InlineData("ce-specversion", null, "ce-specversion")]
    [InlineData("ce-specversion", "0.1", "ce-specversion")]
    [InlineData("ce-id", null, "ce-id")]
    [InlineData("ce-type", null, "ce-type")]
    [InlineData("ce-source", null, "ce-source")]
    [InlineData("ce-time", "last tuesday", "ce-time")]
    [InlineData("ce-source", "//pubsub.googleapis.com/projects/p/topics/t", "source")]
    [InlineData("ce-source", "//storage.googleapis.com/projects/_/buckets/other-bucket", "source")]
    [InlineData("ce-subject", "buckets/sample-bucket", "subject")]
    [InlineData("ce-subject", "objects/folder/Other.docx", "subject")]
    public void FromBinaryCloudEvent_BadHeader_ThrowsNamingField(string header, string? value, string field)
    {
        var headers = BinaryHeaders().Where(h => h.Key != header).ToList();
        if (value is not null)
        {
            headers.Add(KeyValuePair.Create(header, value));
        }

        var act = () => StorageEventReader.FromBinaryCloudEvent(headers, "application/json", BinaryBody);

        act.Should().Throw<InvalidMessageException>().Which.Field.Should().Be(field);
    }

    [Theory]
    [InlineData("not json", "data")]
    [InlineData("""{"bucket":"sample-bucket","name":"folder/Test.docx","generation":"abc"}""", "data.generation")]
    [InlineData("""{"bucket":"sample-bucket","name":"folder/Test.docx","generation":"-1"}""", "data.generation")]
    public void FromBinaryCloudEvent_BadBody_ThrowsNamingField(string body, string field)
    {
        var act = () => StorageEventReader.FromBinaryCloudEvent(BinaryHeaders(), "application/json", Encoding.UTF8.GetBytes(body));

        act.Should().Throw<InvalidMessageException>().Which.Field.Should().Be(field);
    }

    [Fact]
    public void FromBinaryCloudEvent_NoSourceNorBucket_ThrowsNamingSource()
    {
        var headers = BinaryHeaders().Where(h => h.Key != "ce-source").Append(KeyValuePair.Create("ce-source", "urn:x"));

        var act = () => StorageEventReader.FromBinaryCloudEvent(headers, "application/json", """{"name":"a.docx"}"""u8);

        act.Should().Throw<InvalidMessageException>().Which.Field.Should().Be("source");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    [InlineData("application/cloudevents-batch+json")]
    public void FromStructuredCloudEvent_WrongContentType_ThrowsNamingContentType(string? contentType)
    {
        var act = () => StorageEventReader.FromStructuredCloudEvent(contentType, PayloadFiles.Bytes("eventarc-structured-finalized.json"));

        act.Should().Throw<InvalidMessageException>().Which.Field.Should().Be("Content-Type");
    }

    [Theory]
    [InlineData("", "body")]
    [InlineData("{oops", "body")]
    [InlineData("[]", "body")]
    [InlineData("""{"id":"1","source":"//storage.googleapis.com/projects/_/buckets/b-1","type":"t"}""", "specversion")]
    [InlineData("""{"specversion":"1.0","source":"//storage.googleapis.com/projects/_/buckets/b-1","type":"t"}""", "id")]
    [InlineData("""{"specversion":"1.0","id":"1","source":"//storage.googleapis.com/projects/_/buckets/b-1"}""", "type")]
    [InlineData("""{"specversion":"1.0","id":"1","type":"google.cloud.storage.object.v1.finalized","source":"//storage.googleapis.com/projects/_/buckets/b-1","subject":"objects/a.docx","datacontenttype":"application/json","data":"\"x\""}""", "data")]
    [InlineData("""{"specversion":"1.0","id":"1","type":"google.cloud.storage.object.v1.finalized","source":"//storage.googleapis.com/projects/_/buckets/b-1"}""", "subject")]
    public void FromStructuredCloudEvent_Malformed_ThrowsNamingField(string body, string field)
    {
        var act = () => StorageEventReader.FromStructuredCloudEvent(PayloadFiles.Utf8(body));

        act.Should().Throw<InvalidMessageException>().Which.Field.Should().Be(field);
    }
}
