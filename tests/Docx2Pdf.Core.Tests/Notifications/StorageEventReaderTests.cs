using System.Text;
using Docx2Pdf.Notifications;

namespace Docx2Pdf.Core.Tests.Notifications;

public sealed class StorageEventReaderTests
{
    private const string UnicodeName = "отчёты/年报 2024.docx";

    [Fact]
    public void FromWrappedPush_DocsJsonApiV1_ReadsAttributesAndPayload()
    {
        var e = StorageEventReader.FromWrappedPush(PayloadFiles.Bytes("docs-wrapped-push-both-spellings.json"));

        e.Bucket.Should().Be("sample-bucket");
        e.ObjectName.Should().Be("folder/Test.docx");
        e.Generation.Should().Be(1587627537231057);
        e.EventType.Should().Be(StorageEventType.Finalize);
        e.RawEventType.Should().Be("OBJECT_FINALIZE");
        e.Size.Should().Be(352);
        e.ContentType.Should().Be("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
        e.MessageId.Should().Be("4102184774039362");
        e.PublishTime.Should().Be(new DateTimeOffset(2022, 2, 15, 11, 28, 32, 942, TimeSpan.Zero));
        e.EventTime.Should().Be(new DateTimeOffset(2020, 4, 23, 7, 38, 57, 230, TimeSpan.Zero));
        e.DeliveryAttempt.Should().BeNull();
    }

    [Fact]
    public void FromWrappedPush_NumericInt64sAndNoGenerationAttribute_TakesPayloadValues()
    {
        var e = StorageEventReader.FromWrappedPush(PayloadFiles.Bytes("docs-wrapped-push-snake-case-numeric-int64.json"));

        e.ObjectName.Should().Be("MyFile");
        e.Generation.Should().Be(96883251);
        e.Size.Should().Be(0);
        e.ObjectMetadata.Should().NotBeNull().And.BeEmpty();
        e.MessageId.Should().Be("2070443601311540");
    }

    [Fact]
    public void FromWrappedPush_PayloadFormatNoneWithBomAndDeadLetter_ReadsAttributesOnly()
    {
        var e = StorageEventReader.FromWrappedPush(PayloadFiles.Bytes("docs-wrapped-push-dead-letter-bom.json"));

        e.ObjectName.Should().Be("folder/Test.docx");
        e.Generation.Should().Be(1587627537231057);
        e.DeliveryAttempt.Should().Be(3);
        e.Size.Should().BeNull();
        e.ContentType.Should().BeNull();
        e.ObjectMetadata.Should().BeNull();
    }

    [Theory]
    [InlineData("emulator-wrapped-push-json-api-v1.json", "reports/Q3 #1?.docx", StorageEventType.Finalize, 48213L)]
    [InlineData("emulator-wrapped-push-none.json", "reports/Q3 #1?.docx", StorageEventType.Delete, null)]
    [InlineData("emulator-wrapped-push-json-api-v1-unicode.json", UnicodeName, StorageEventType.Finalize, 48213L)]
    [InlineData("emulator-wrapped-push-none-unicode.json", UnicodeName, StorageEventType.Delete, null)]
    public void FromWrappedPush_EmulatorCaptures_ReadsExactName(string file, string name, StorageEventType type, long? size)
    {
        var e = StorageEventReader.FromWrappedPush(PayloadFiles.Bytes(file));

        e.Bucket.Should().Be("docs-in");
        e.ObjectName.Should().Be(name);
        e.EventType.Should().Be(type);
        e.Generation.Should().Be(1716471258123456);
        e.Size.Should().Be(size);
        e.PublishTime.Should().NotBeNull();
    }

    [Fact]
    public void FromWrappedPush_JsonApiV1_ReadsCustomMetadata()
    {
        var e = StorageEventReader.FromWrappedPush(PayloadFiles.Bytes("emulator-wrapped-push-json-api-v1.json"));

        e.ObjectMetadata.Should().BeEquivalentTo(new Dictionary<string, string> { ["owner"] = "finance" });
    }

    [Fact]
    public void FromPubSubMessage_RestPullResponse_CarriesDeliveryAttempt()
    {
        using var document = System.Text.Json.JsonDocument.Parse(PayloadFiles.Bytes("docs-pull-response.json"));
        var events = document.RootElement.GetProperty("receivedMessages").EnumerateArray()
            .Select(PubSubMessageReader.ReadReceivedMessage)
            .Select(r => StorageEventReader.FromPubSubMessage(r.Message, r.DeliveryAttempt))
            .ToList();

        events.Select(e => e.DeliveryAttempt).Should().Equal(1, null);
        events.Should().OnlyContain(e => e.ObjectName == "folder/Test.docx" && e.Generation == 1587627537231057);
    }

    [Theory]
    [InlineData("emulator-unwrapped-push-json-api-v1", "reports/Q3 #1?.docx", 48213L)]
    [InlineData("emulator-unwrapped-push-none", "reports/Q3 #1?.docx", null)]
    [InlineData("emulator-unwrapped-push-json-api-v1-unicode", UnicodeName, 48213L)]
    [InlineData("emulator-unwrapped-push-none-unicode", UnicodeName, null)]
    public void FromUnwrappedPush_EmulatorCaptures_ReadsHeadersAndBody(string capture, string name, long? size)
    {
        var headers = PayloadFiles.Headers(capture + ".headers.json");
        var body = PayloadFiles.Bytes(capture + ".body");

        // As sent, and lower-cased as HTTP/2 presents them.
        foreach (var variant in new[] { headers, PayloadFiles.LowerCased(headers) })
        {
            var e = StorageEventReader.FromUnwrappedPush(body, variant);

            e.Bucket.Should().Be("docs-in");
            e.ObjectName.Should().Be(name);
            e.Generation.Should().Be(1716471258123456);
            e.Size.Should().Be(size);
            e.MessageId.Should().NotBeNullOrEmpty();
            e.PublishTime.Should().NotBeNull();
            e.EventTime.Should().Be(new DateTimeOffset(2024, 5, 23, 13, 34, 18, 131, TimeSpan.Zero));
        }
    }

    [Theory]
    [InlineData("OBJECT_FINALIZE", StorageEventType.Finalize)]
    [InlineData("OBJECT_METADATA_UPDATE", StorageEventType.MetadataUpdate)]
    [InlineData("OBJECT_DELETE", StorageEventType.Delete)]
    [InlineData("OBJECT_ARCHIVE", StorageEventType.Archive)]
    [InlineData("google.cloud.storage.object.v1.finalized", StorageEventType.Finalize)]
    [InlineData("google.cloud.storage.object.v1.metadataUpdated", StorageEventType.MetadataUpdate)]
    [InlineData("google.cloud.storage.object.v1.deleted", StorageEventType.Delete)]
    [InlineData("google.cloud.storage.object.v1.archived", StorageEventType.Archive)]
    [InlineData("OBJECT_RESTORE", StorageEventType.Unknown)]
    [InlineData("object_finalize", StorageEventType.Unknown)]
    public void MapEventType_KnownAndUnknown_Maps(string raw, StorageEventType expected) =>
        StorageEventReader.MapEventType(raw).Should().Be(expected);

    [Fact]
    public void FromPubSubMessage_UnknownEventType_IsNotAnError()
    {
        var e = StorageEventReader.FromPubSubMessage(Message(("eventType", "OBJECT_RESTORE")));

        e.EventType.Should().Be(StorageEventType.Unknown);
        e.RawEventType.Should().Be("OBJECT_RESTORE");
    }

    [Theory]
    [InlineData("a b.docx")]
    [InlineData("#frag?query=1.docx")]
    [InlineData("line1\nline2.docx")]
    [InlineData("../../etc/passwd.docx")]
    [InlineData("/abs.docx")]
    [InlineData("a\\b.docx")]
    [InlineData("Ünïcödé/日本語/عربي/😀.docx")]
    [InlineData(" leading and trailing ")]
    [InlineData("%41%2F.docx")]
    public void FromWrappedPush_HostileNames_ComeThroughByteExact(string name)
    {
        var resource = $$"""{"bucket":"b-1","name":{{System.Text.Json.JsonSerializer.Serialize(name)}},"generation":"5"}""";
        var body = $$$"""{"message":{"attributes":{"eventType":"OBJECT_FINALIZE","payloadFormat":"JSON_API_V1","bucketId":"b-1","objectId":{{{System.Text.Json.JsonSerializer.Serialize(name)}}}},"data":"{{{PayloadFiles.Base64(resource)}}}"}}""";

        var e = StorageEventReader.FromWrappedPush(PayloadFiles.Utf8(body));

        Encoding.UTF8.GetBytes(e.ObjectName).Should().Equal(Encoding.UTF8.GetBytes(name));
    }

    [Fact]
    public void FromPubSubMessage_NameOf1024Bytes_Accepted()
    {
        var name = new string('é', 512); // 2 UTF-8 bytes each

        StorageEventReader.FromPubSubMessage(Message(("objectId", name))).ObjectName.Should().Be(name);
    }

    [Fact]
    public void FromPubSubMessage_NameOf1025Bytes_ThrowsNamingObjectId()
    {
        var act = () => StorageEventReader.FromPubSubMessage(Message(("objectId", new string('é', 512) + "x")));

        act.Should().Throw<InvalidMessageException>().Which.Field.Should().Be("objectId");
    }

    [Fact]
    public void FromPubSubMessage_LoneSurrogateInName_ThrowsNamingObjectId()
    {
        var act = () => StorageEventReader.FromPubSubMessage(Message(("objectId", "a\uD800.docx")));

        act.Should().Throw<InvalidMessageException>().Which.Field.Should().Be("objectId");
    }

    [Theory]
    [InlineData("eventType", null, "eventType")]
    [InlineData("bucketId", null, "bucketId")]
    [InlineData("bucketId", "", "bucketId")]
    [InlineData("bucketId", "../etc", "bucketId")]
    [InlineData("objectId", null, "objectId")]
    [InlineData("objectGeneration", "abc", "objectGeneration")]
    [InlineData("objectGeneration", "-5", "objectGeneration")]
    [InlineData("objectGeneration", "0", "objectGeneration")]
    [InlineData("objectGeneration", "1e5", "objectGeneration")]
    [InlineData("objectGeneration", "99999999999999999999", "objectGeneration")]
    [InlineData("eventTime", "2024-05-01 12:00", "eventTime")]
    [InlineData("payloadFormat", "XML_V2", "payloadFormat")]
    public void FromPubSubMessage_BadAttribute_ThrowsNamingField(string attribute, string? value, string field)
    {
        var act = () => StorageEventReader.FromPubSubMessage(Message((attribute, value)));

        var thrown = act.Should().Throw<InvalidMessageException>().Which;
        thrown.Field.Should().Be(field);
        thrown.Message.Should().NotBeNullOrWhiteSpace();
    }

    [Theory]
    [InlineData("", "message.data")]
    [InlineData("not json at all", "message.data")]
    [InlineData("[1]", "message.data")]
    [InlineData("""{"bucket":"b-1","name":"a.docx","generation":"x1"}""", "message.data.generation")]
    [InlineData("""{"bucket":"b-1","name":"a.docx","generation":-1}""", "message.data.generation")]
    [InlineData("""{"bucket":"b-1","name":"a.docx","generation":1.5}""", "message.data.generation")]
    [InlineData("""{"bucket":"b-1","name":"a.docx","size":"-3"}""", "message.data.size")]
    [InlineData("""{"bucket":"b-1","name":"a.docx","size":true}""", "message.data.size")]
    [InlineData("""{"bucket":"b-1","name":7}""", "message.data.name")]
    [InlineData("""{"bucket":"b-1","name":"a.docx","metadata":[]}""", "message.data.metadata")]
    [InlineData("""{"bucket":"b-1","name":"a.docx","metadata":{"k":1}}""", "message.data.metadata.k")]
    [InlineData("""{"bucket":"other","name":"a.docx"}""", "bucketId")]
    [InlineData("""{"bucket":"b-1","name":"b.docx"}""", "objectId")]
    public void FromPubSubMessage_BadJsonApiV1Payload_ThrowsNamingField(string data, string field)
    {
        var message = new PubSubMessage
        {
            Data = Encoding.UTF8.GetBytes(data),
            Attributes = new Dictionary<string, string>
            {
                ["eventType"] = "OBJECT_FINALIZE",
                ["payloadFormat"] = "JSON_API_V1",
                ["bucketId"] = "b-1",
                ["objectId"] = "a.docx",
            },
        };

        var act = () => StorageEventReader.FromPubSubMessage(message);

        act.Should().Throw<InvalidMessageException>().Which.Field.Should().Be(field);
    }

    [Fact]
    public void FromPubSubMessage_PayloadOnlyWithoutBucketAttributes_TakesPayloadNames()
    {
        var message = new PubSubMessage
        {
            Data = Encoding.UTF8.GetBytes("""{"bucket":"b-1","name":"x/a.docx","generation":"12","metadata":{"k":null}}"""),
            Attributes = new Dictionary<string, string> { ["eventType"] = "OBJECT_FINALIZE", ["payloadFormat"] = "JSON_API_V1" },
        };

        var e = StorageEventReader.FromPubSubMessage(message, deliveryAttempt: 2);

        (e.Bucket, e.ObjectName, e.Generation, e.DeliveryAttempt).Should().Be(("b-1", "x/a.docx", 12L, 2));
        e.ObjectMetadata.Should().BeEmpty();
    }

    [Fact]
    public void FromPubSubMessage_GenerationAttributeAndPayloadDisagree_AttributeWins()
    {
        var message = new PubSubMessage
        {
            Data = Encoding.UTF8.GetBytes("""{"bucket":"b-1","name":"a.docx","generation":"12"}"""),
            Attributes = new Dictionary<string, string>
            {
                ["eventType"] = "OBJECT_FINALIZE", ["payloadFormat"] = "JSON_API_V1",
                ["bucketId"] = "b-1", ["objectId"] = "a.docx", ["objectGeneration"] = "13",
            },
        };

        StorageEventReader.FromPubSubMessage(message).Generation.Should().Be(13);
    }

    [Fact]
    public void FromPubSubMessage_BadJsonPayload_MessageDoesNotQuoteContent()
    {
        var secret = "Quarterly revenue fell by 12 percent";
        var message = new PubSubMessage
        {
            Data = Encoding.UTF8.GetBytes(secret),
            Attributes = new Dictionary<string, string> { ["eventType"] = "OBJECT_FINALIZE", ["payloadFormat"] = "JSON_API_V1", ["bucketId"] = "b-1", ["objectId"] = "a" },
        };

        var act = () => StorageEventReader.FromPubSubMessage(message);

        act.Should().Throw<InvalidMessageException>().Which.Message.Should().NotContain("revenue").And.Contain("JSON_API_V1");
    }

    [Fact]
    public void FromWrappedPush_NoAttributes_ThrowsNamingEventType()
    {
        var act = () => StorageEventReader.FromWrappedPush(PayloadFiles.Bytes("docs-wrapped-push-no-attributes.json"));

        act.Should().Throw<InvalidMessageException>().Which.Field.Should().Be("eventType");
    }

    [Theory]
    [InlineData("", "body")]
    [InlineData("{\"message\":{\"data\":\"%%%\"}}", "message.data")]
    public void FromWrappedPush_Malformed_ThrowsNamingField(string body, string field)
    {
        var act = () => StorageEventReader.FromWrappedPush(PayloadFiles.Utf8(body));

        act.Should().Throw<InvalidMessageException>().Which.Field.Should().Be(field);
    }

    [Fact]
    public void FromUnwrappedPush_MissingBucketHeader_ThrowsNamingBucketId()
    {
        var headers = PayloadFiles.Headers("emulator-unwrapped-push-none.headers.json").Where(h => h.Key != "bucketId");

        var act = () => StorageEventReader.FromUnwrappedPush(ReadOnlySpan<byte>.Empty, headers);

        act.Should().Throw<InvalidMessageException>().Which.Field.Should().Be("bucketId");
    }

    [Fact]
    public void FromUnwrappedPush_MojibakeLookingName_ComesThroughUnchanged()
    {
        // Real buckets hold names damaged by past encoding accidents; they are names like any other.
        const string Name = "RÃ©sumÃ©.docx";
        var headers = PayloadFiles.Headers("emulator-unwrapped-push-none.headers.json")
            .Select(h => h.Key == "objectId" ? KeyValuePair.Create(h.Key, Name) : h);

        StorageEventReader.FromUnwrappedPush(ReadOnlySpan<byte>.Empty, headers).ObjectName.Should().Be(Name);
    }

    [Fact]
    public void FromUnwrappedPush_JsonApiV1WithNonJsonBody_ThrowsNamingBody()
    {
        var headers = PayloadFiles.Headers("emulator-unwrapped-push-json-api-v1.headers.json");

        var act = () => StorageEventReader.FromUnwrappedPush("name=a.docx&bucket=docs-in"u8, headers);

        act.Should().Throw<InvalidMessageException>().Which.Field.Should().Be("body");
    }

    [Fact]
    public void FromUnwrappedPush_ConflictingDuplicateHeader_ThrowsNamingAttribute()
    {
        var headers = PayloadFiles.Headers("emulator-unwrapped-push-none.headers.json");
        headers.Add(KeyValuePair.Create("objectid", "other.docx"));

        var act = () => StorageEventReader.FromUnwrappedPush(ReadOnlySpan<byte>.Empty, headers);

        act.Should().Throw<InvalidMessageException>().Which.Field.Should().Be("objectId");
    }

    [Fact]
    public void FromUnwrappedPush_BadPublishTimeHeader_ThrowsNamingHeader()
    {
        var headers = PayloadFiles.Headers("emulator-unwrapped-push-none.headers.json")
            .Select(h => h.Key == "x-goog-pubsub-publish-time" ? KeyValuePair.Create(h.Key, "soon") : h);

        var act = () => StorageEventReader.FromUnwrappedPush(ReadOnlySpan<byte>.Empty, headers);

        act.Should().Throw<InvalidMessageException>().Which.Field.Should().Be("x-goog-pubsub-publish-time");
    }

    /// <summary>A NONE notification for b-1/a.docx generation 7, with one attribute replaced (null removes it).</summary>
    private static PubSubMessage Message((string Name, string? Value) change)
    {
        var attributes = new Dictionary<string, string>
        {
            ["eventType"] = "OBJECT_FINALIZE",
            ["payloadFormat"] = "NONE",
            ["bucketId"] = "b-1",
            ["objectId"] = "a.docx",
            ["objectGeneration"] = "7",
            ["eventTime"] = "2024-05-01T12:00:00.123456789Z",
        };
        if (change.Value is null)
        {
            attributes.Remove(change.Name);
        }
        else
        {
            attributes[change.Name] = change.Value;
        }

        return new PubSubMessage { Attributes = attributes, MessageId = "m-1" };
    }
}
