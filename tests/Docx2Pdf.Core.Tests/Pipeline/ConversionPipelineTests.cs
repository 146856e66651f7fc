using System.Globalization;
using Docx2Pdf.Notifications;
using Docx2Pdf.Pipeline;
using Docx2Pdf.Storage;
using Docx2Pdf.Testing.Doubles;

namespace Docx2Pdf.Core.Tests.Pipeline;

/// <summary>
/// The pipeline's decisions (triage, naming, duplicates, failure policy), through its public surface (AddDocx2Pdf, then
/// IConversionPipeline) over the real <see cref="FileSystemObjectStore"/> and real corpus documents, with the converter
/// replaced by <see cref="GatedConverter"/>: fast, no LibreOffice. Overlap is made with the converter's gate, never hoped for.
/// What LibreOffice itself decides is in <see cref="ConversionPipelineEngineTests"/>.
/// </summary>
public sealed class ConversionPipelineTests
{
    private const string GoodDocument = "poi/sample.docx";
    private const string BrokenDocument = "poi/truncated62886.docx";
    private const string In = PipelineHarness.InputBucket;
    private const string Out = PipelineHarness.OutputBucket;
    private readonly GatedConverter _converter = new();

    [Fact]
    public async Task ProcessAsync_OneNotification_WritesExactlyOnePdfWithExpectedNameAndMetadata()
    {
        using var h = PipelineHarness.Create(_converter, o => o.OutputPrefix = "converted/");
        var source = await h.PutCorpusAsync(In, "reports/2024/Quarterly Report.docx", GoodDocument);

        var outcome = await h.Pipeline.ProcessAsync(h.Notification(source));

        outcome.Status.Should().Be(ConversionStatus.Converted, outcome.Detail);
        outcome.ShouldAcknowledge.Should().BeTrue();
        outcome.OutputBucket.Should().Be(Out);
        outcome.OutputObject.Should().Be("converted/reports/2024/Quarterly Report.pdf");
        var pdf = await h.InfoAsync(Out, "converted/reports/2024/Quarterly Report.pdf");
        pdf.Should().NotBeNull();
        pdf!.ContentType.Should().Be("application/pdf");
        pdf.Metadata.Should().Contain(OutputMetadata.MarkerKey, OutputMetadata.PdfMarker)
            .And.Contain(OutputMetadata.SourceBucketKey, In)
            .And.Contain(OutputMetadata.SourceObjectKey, "reports/2024/Quarterly Report.docx")
            .And.Contain(OutputMetadata.SourceGenerationKey, source.Generation.ToString(CultureInfo.InvariantCulture));
        (await h.ReadAsync(pdf)).Should().Equal(GatedConverter.PdfBytes, "the converter's output is uploaded as it is");
        h.Store.TotalUploads.Should().Be(1);
        _converter.Started.Should().Be(1);
        (await h.ReadFailureRecordAsync(source.Name)).Should().BeNull();
        h.AssertNoTempFiles();
    }

    [Fact]
    public async Task ProcessAsync_UpperCaseExtensionInSharedBucket_WritesPdfBesideSource()
    {
        using var h = PipelineHarness.Create(_converter, o => o.OutputBucket = In);
        var source = await h.PutCorpusAsync(In, "Letter.DOCX", GoodDocument);

        var outcome = await h.Pipeline.ProcessAsync(h.Notification(source));

        outcome.Status.Should().Be(ConversionStatus.Converted, outcome.Detail);
        outcome.OutputObject.Should().Be("Letter.pdf");
        (await h.InfoAsync(In, "Letter.pdf")).Should().NotBeNull();
        h.AssertNoTempFiles();
    }

    [Fact]
    public async Task ProcessAsync_SameEventTenTimesOneAfterAnother_WritesOnce()
    {
        using var h = PipelineHarness.Create(_converter);
        var source = await h.PutCorpusAsync(In, "sequential.docx", GoodDocument);
        var notification = h.Notification(source);

        var outcomes = new List<ConversionOutcome>();
        for (var i = 0; i < 10; i++)
        {
            outcomes.Add(await h.Pipeline.ProcessAsync(notification));
        }

        outcomes[0].Status.Should().Be(ConversionStatus.Converted, outcomes[0].Detail);
        outcomes.Skip(1).Should().OnlyContain(o => o.Status == ConversionStatus.Duplicate && o.OutputObject == "sequential.pdf");
        _converter.Started.Should().Be(1, "the existing PDF answers every later delivery without a conversion");
        h.Store.UploadsOf(Out, "sequential.pdf").Should().Be(1);
        h.Store.TotalUploads.Should().Be(1);
        h.AssertNoTempFiles();
    }

    [Fact]
    public async Task ProcessAsync_SameEventTenTimesAtOnce_WritesOnce()
    {
        using var h = PipelineHarness.Create(_converter);
        var source = await h.PutCorpusAsync(In, "parallel.docx", GoodDocument);

        // Ten deliveries of one notification (distinct message ids, as redeliveries through different paths have). The first
        // is held in the converter until the nine others have joined it: they overlap for certain.
        var deliveries = Enumerable.Range(0, 10).Select(_ => h.Notification(source)).ToList();
        _converter.Close();
        var running = deliveries.Select(e => Task.Run(() => h.Pipeline.ProcessAsync(e))).ToList();
        await _converter.WaitForStartedAsync(1);
        await h.WaitForJoinedAsync(9);
        _converter.Open();
        var outcomes = await Task.WhenAll(running);

        outcomes.Should().OnlyContain(o => o.ShouldAcknowledge && o.OutputObject == "parallel.pdf");
        outcomes.Count(o => o.Status == ConversionStatus.Converted).Should().Be(1);
        outcomes.Count(o => o.Status == ConversionStatus.Duplicate).Should().Be(9);
        _converter.Started.Should().Be(1, "the nine joined the one conversion");
        h.Store.TotalUploads.Should().Be(1);
        h.AssertNoTempFiles();
    }

    [Fact]
    public async Task ProcessAsync_TwoPipelinesRacingOnOneEvent_OneWriteAndNoError()
    {
        // Two workers (two pipelines, one store) see the same event. Both are held in the converter until both have looked
        // for an existing PDF and started converting; then the upload precondition lets only one write.
        using var h = PipelineHarness.Create(_converter);
        using var other = PipelineHarness.Create(_converter, store: h.RealStore);
        var source = await h.PutCorpusAsync(In, "race.docx", GoodDocument);
        var notification = h.Notification(source);
        _converter.Close();

        var racing = new[] { Task.Run(() => h.Pipeline.ProcessAsync(notification)), Task.Run(() => other.Pipeline.ProcessAsync(notification)) };
        await _converter.WaitForStartedAsync(2);
        _converter.Open();
        var outcomes = await Task.WhenAll(racing);

        outcomes.Select(o => o.Status).Should().BeEquivalentTo([ConversionStatus.Converted, ConversionStatus.Duplicate], "the loser of the race sees the winner's PDF");
        (h.Store.TotalUploads + other.Store.TotalUploads).Should().Be(1);
        h.AssertNoTempFiles();
        other.AssertNoTempFiles();
    }

    [Fact]
    public async Task ProcessAsync_StaleGenerationEvent_WritesNothing()
    {
        using var h = PipelineHarness.Create(_converter);
        var first = await h.PutCorpusAsync(In, "changing.docx", GoodDocument);
        var second = await h.PutCorpusAsync(In, "changing.docx", GoodDocument);
        second.Generation.Should().BeGreaterThan(first.Generation);

        var outcome = await h.Pipeline.ProcessAsync(h.Notification(first));

        outcome.Status.Should().Be(ConversionStatus.Ignored);
        outcome.IgnoreReason.Should().Be(IgnoreReason.StaleGeneration);
        h.Store.TotalUploads.Should().Be(0);
        (await h.InfoAsync(Out, "changing.pdf")).Should().BeNull();
        h.AssertNoTempFiles();
    }

    [Fact]
    public async Task ProcessAsync_NewGenerationAfterConversion_ReplacesPdfAndLateOldEventIsIgnored()
    {
        using var h = PipelineHarness.Create(_converter);
        var first = await h.PutCorpusAsync(In, "versioned.docx", GoodDocument);
        (await h.Pipeline.ProcessAsync(h.Notification(first))).Status.Should().Be(ConversionStatus.Converted);
        var second = await h.PutCorpusAsync(In, "versioned.docx", GoodDocument);

        var replaced = await h.Pipeline.ProcessAsync(h.Notification(second));
        var late = await h.Pipeline.ProcessAsync(h.Notification(first));

        replaced.Status.Should().Be(ConversionStatus.Converted, replaced.Detail);
        late.Status.Should().Be(ConversionStatus.Ignored);
        late.IgnoreReason.Should().Be(IgnoreReason.StaleGeneration);
        var pdf = await h.InfoAsync(Out, "versioned.pdf");
        pdf!.Metadata[OutputMetadata.SourceGenerationKey].Should().Be(second.Generation.ToString(CultureInfo.InvariantCulture));
        h.Store.UploadsOf(Out, "versioned.pdf").Should().Be(2);
        h.AssertNoTempFiles();
    }

    [Theory]
    [InlineData("OBJECT_DELETE")]
    [InlineData("OBJECT_ARCHIVE")]
    [InlineData("OBJECT_METADATA_UPDATE")]
    public async Task ProcessAsync_NotFinalizeEvent_IsIgnored(string eventType)
    {
        using var h = PipelineHarness.Create(_converter);
        var source = await h.PutCorpusAsync(In, "deleted.docx", GoodDocument);

        var outcome = await h.Pipeline.ProcessAsync(h.Notification(source, eventType));

        outcome.Status.Should().Be(ConversionStatus.Ignored);
        outcome.IgnoreReason.Should().Be(IgnoreReason.NotFinalize);
        outcome.ShouldAcknowledge.Should().BeTrue();
        h.Store.TotalUploads.Should().Be(0);
    }

    [Fact]
    public async Task ProcessAsync_PdfWrittenIntoWatchedBucket_IsNotConverted()
    {
        // Input and output share one bucket: the pipeline's own PDF comes back as a FINALIZE event.
        using var h = PipelineHarness.Create(_converter, o => o.OutputBucket = In);
        var source = await h.PutCorpusAsync(In, "loop.docx", GoodDocument);
        (await h.Pipeline.ProcessAsync(h.Notification(source))).Status.Should().Be(ConversionStatus.Converted);
        var pdf = (await h.InfoAsync(In, "loop.pdf"))!;

        var outcome = await h.Pipeline.ProcessAsync(h.Notification(pdf));

        outcome.Status.Should().Be(ConversionStatus.Ignored);
        outcome.IgnoreReason.Should().Be(IgnoreReason.OwnOutput, "the PDF carries the output marker");
        h.Store.TotalUploads.Should().Be(1);
        h.AssertNoTempFiles();
    }

    [Fact]
    public async Task ProcessAsync_DocxCarryingOutputMarkerWithoutPayload_IsNotConverted()
    {
        // payloadFormat NONE carries no metadata: the marker is found on the live object.
        using var h = PipelineHarness.Create(_converter, o => o.OutputBucket = In);
        var marked = await h.PutCorpusAsync(In, "marked.docx", GoodDocument, new Dictionary<string, string> { [OutputMetadata.MarkerKey] = OutputMetadata.PdfMarker });
        var e = new StorageEvent { Bucket = In, ObjectName = marked.Name, Generation = marked.Generation, EventType = StorageEventType.Finalize };

        var outcome = await h.Pipeline.ProcessAsync(e);

        outcome.IgnoreReason.Should().Be(IgnoreReason.OwnOutput);
        h.Store.TotalUploads.Should().Be(0);
    }

    [Theory]
    [InlineData("pdf/inside-output-prefix.docx")]
    [InlineData("docx2pdf-failures/record-area.docx")]
    public async Task ProcessAsync_ObjectUnderOutputOrFailurePrefixOfSharedBucket_IsOwnOutput(string objectName)
    {
        using var h = PipelineHarness.Create(_converter, o =>
        {
            o.OutputBucket = In;
            o.OutputPrefix = "pdf/";
        });
        var source = await h.PutCorpusAsync(In, objectName, GoodDocument);

        var outcome = await h.Pipeline.ProcessAsync(h.Notification(source));

        outcome.IgnoreReason.Should().Be(IgnoreReason.OwnOutput);
        h.Store.TotalUploads.Should().Be(0);
    }

    [Fact]
    public async Task ProcessAsync_ConverterRejectsDocument_WritesFailureRecordAndFailsPermanently()
    {
        _converter.FailWhen = _ => new DocumentRejectedException(FailureKind.InvalidDocument, "The document is corrupt.");
        using var h = PipelineHarness.Create(_converter);
        var source = await h.PutCorpusAsync(In, "broken/truncated62886.docx", BrokenDocument);
        var notification = h.Notification(source, messageId: "broken-1");

        var outcome = await h.Pipeline.ProcessAsync(notification);

        outcome.Status.Should().Be(ConversionStatus.FailedPermanently, outcome.Detail);
        outcome.FailureKind.Should().Be(FailureKind.InvalidDocument);
        outcome.ShouldAcknowledge.Should().BeTrue();
        (await h.InfoAsync(Out, "broken/truncated62886.pdf")).Should().BeNull();
        var record = await h.ReadFailureRecordAsync("broken/truncated62886.docx");
        record.Should().NotBeNull();
        record!.SourceBucket.Should().Be(In);
        record.SourceObject.Should().Be("broken/truncated62886.docx");
        record.SourceGeneration.Should().Be(source.Generation);
        record.FailureKind.Should().Be("invalid_document");
        record.Message.Should().Be("The document is corrupt.");
        record.MessageId.Should().Be("broken-1");
        record.Time.Should().Be(h.Time.GetUtcNow());
        var recordInfo = await h.InfoAsync(Out, "docx2pdf-failures/broken/truncated62886.docx.json");
        recordInfo!.ContentType.Should().Be("application/json");
        recordInfo.Metadata.Should().Contain(OutputMetadata.MarkerKey, OutputMetadata.FailureRecordMarker);
        h.AssertNoTempFiles();
    }

    [Fact]
    public async Task ProcessAsync_TransientFailure_WritesNothingAndAsksForRetry()
    {
        using var h = PipelineHarness.Create(_converter);
        var source = await h.PutCorpusAsync(In, "flaky.docx", GoodDocument);
        h.Store.FailDownloadsWith = FailureKind.StorageTransient;

        var outcome = await h.Pipeline.ProcessAsync(h.Notification(source, deliveryAttempt: 1));

        outcome.Status.Should().Be(ConversionStatus.FailedTransiently);
        outcome.FailureKind.Should().Be(FailureKind.StorageTransient);
        outcome.RetryAfter.Should().BePositive();
        outcome.ShouldAcknowledge.Should().BeFalse();
        h.Store.TotalUploads.Should().Be(0);
        h.AssertNoTempFiles();
    }

    [Fact]
    public async Task ProcessAsync_Cancelled_FailsTransientlyAsInterruptedWithoutTempFiles()
    {
        using var h = PipelineHarness.Create(_converter);
        var source = await h.PutCorpusAsync(In, "cancelled.docx", GoodDocument);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        var outcome = await h.Pipeline.ProcessAsync(h.Notification(source), cts.Token);

        outcome.Status.Should().Be(ConversionStatus.FailedTransiently);
        outcome.FailureKind.Should().Be(FailureKind.Interrupted);
        h.Store.TotalUploads.Should().Be(0);
        h.AssertNoTempFiles();
    }

    [Fact]
    public async Task ProcessAsync_ObjectGone_IsIgnored()
    {
        using var h = PipelineHarness.Create(_converter);
        var source = await h.PutCorpusAsync(In, "gone.docx", GoodDocument);
        var notification = h.Notification(source);
        await h.RealStore.DeleteAsync(In, "gone.docx");

        var outcome = await h.Pipeline.ProcessAsync(notification);

        outcome.IgnoreReason.Should().Be(IgnoreReason.ObjectGone);
        h.Store.TotalUploads.Should().Be(0);
    }

    [Fact]
    public async Task ProcessAsync_EmptyAndTooLarge_EndAsPermanentFailureRecords()
    {
        // Issue 9 Build 12: every uploaded document ends as one PDF or one failure record; these were only logged before.
        using var h = PipelineHarness.Create(_converter, o => o.MaxDocumentBytes = 1000);
        var empty = await h.PutAsync(In, "empty.docx", new MemoryStream());
        var large = await h.PutCorpusAsync(In, "large.docx", GoodDocument);

        var emptyOutcome = await h.Pipeline.ProcessAsync(h.Notification(empty));
        var largeOutcome = await h.Pipeline.ProcessAsync(h.Notification(large));

        emptyOutcome.Status.Should().Be(ConversionStatus.FailedPermanently, emptyOutcome.Detail);
        emptyOutcome.FailureKind.Should().Be(FailureKind.InvalidDocument);
        emptyOutcome.ShouldAcknowledge.Should().BeTrue();
        largeOutcome.Status.Should().Be(ConversionStatus.FailedPermanently, largeOutcome.Detail);
        largeOutcome.FailureKind.Should().Be(FailureKind.DocumentTooLarge);
        var emptyRecord = await h.ReadFailureRecordAsync("empty.docx");
        emptyRecord!.FailureKind.Should().Be("invalid_document");
        emptyRecord.SourceGeneration.Should().Be(empty.Generation);
        var largeRecord = await h.ReadFailureRecordAsync("large.docx");
        largeRecord!.FailureKind.Should().Be("document_too_large");
        largeRecord.SourceGeneration.Should().Be(large.Generation);
        _converter.Started.Should().Be(0, "neither document reaches the converter");
        h.Store.TotalUploads.Should().Be(2, "one failure record each, no PDF");
        (await h.InfoAsync(Out, "empty.pdf")).Should().BeNull();
        (await h.InfoAsync(Out, "large.pdf")).Should().BeNull();
        h.AssertNoTempFiles();
    }

    [Fact]
    public async Task ProcessAsync_EmptyAndTooLargeWithoutPayloadSize_AreRecordedFromTheLiveObject()
    {
        // payloadFormat NONE carries no size: the live object decides, after its generation was checked.
        using var h = PipelineHarness.Create(_converter, o => o.MaxDocumentBytes = 1000);
        var empty = await h.PutAsync(In, "bare-empty.docx", new MemoryStream());
        var large = await h.PutCorpusAsync(In, "bare-large.docx", GoodDocument);

        var emptyOutcome = await h.Pipeline.ProcessAsync(new StorageEvent { Bucket = In, ObjectName = empty.Name, Generation = empty.Generation, EventType = StorageEventType.Finalize });
        var largeOutcome = await h.Pipeline.ProcessAsync(new StorageEvent { Bucket = In, ObjectName = large.Name, Generation = large.Generation, EventType = StorageEventType.Finalize });

        emptyOutcome.FailureKind.Should().Be(FailureKind.InvalidDocument, emptyOutcome.Detail);
        largeOutcome.FailureKind.Should().Be(FailureKind.DocumentTooLarge, largeOutcome.Detail);
        (await h.ReadFailureRecordAsync("bare-empty.docx"))!.FailureKind.Should().Be("invalid_document");
        (await h.ReadFailureRecordAsync("bare-large.docx"))!.FailureKind.Should().Be("document_too_large");
        _converter.Started.Should().Be(0);
        h.AssertNoTempFiles();
    }

    [Fact]
    public async Task ProcessAsync_RedeliveryOfRecordedGeneration_IsDuplicateWithoutRewrite()
    {
        using var h = PipelineHarness.Create(_converter);
        var empty = await h.PutAsync(In, "again.docx", new MemoryStream());

        var first = await h.Pipeline.ProcessAsync(h.Notification(empty, messageId: "first"));
        var recordBefore = await h.InfoAsync(Out, h.Options.FailurePrefix + "again.docx.json");
        var second = await h.Pipeline.ProcessAsync(h.Notification(empty, messageId: "second"));

        first.Status.Should().Be(ConversionStatus.FailedPermanently, first.Detail);
        second.Status.Should().Be(ConversionStatus.Duplicate, second.Detail);
        second.ShouldAcknowledge.Should().BeTrue();
        second.OutputObject.Should().Be(h.Options.FailurePrefix + "again.docx.json");
        h.Store.TotalUploads.Should().Be(1, "the redelivery does not rewrite the record");
        (await h.InfoAsync(Out, h.Options.FailurePrefix + "again.docx.json"))!.Generation.Should().Be(recordBefore!.Generation);
        (await h.ReadFailureRecordAsync("again.docx"))!.MessageId.Should().Be("first");
    }

    [Fact]
    public async Task ProcessAsync_FailureOfNewerGeneration_ReplacesTheOlderRecord()
    {
        using var h = PipelineHarness.Create(_converter, o => o.MaxDocumentBytes = 1000);
        var empty = await h.PutAsync(In, "grows.docx", new MemoryStream());
        await h.Pipeline.ProcessAsync(h.Notification(empty));
        var large = await h.PutCorpusAsync(In, "grows.docx", GoodDocument);

        var outcome = await h.Pipeline.ProcessAsync(h.Notification(large));

        large.Generation.Should().BeGreaterThan(empty.Generation);
        outcome.Status.Should().Be(ConversionStatus.FailedPermanently, outcome.Detail);
        var record = await h.ReadFailureRecordAsync("grows.docx");
        record!.SourceGeneration.Should().Be(large.Generation);
        record.FailureKind.Should().Be("document_too_large");
        h.Store.TotalUploads.Should().Be(2);
    }

    [Fact]
    public async Task ProcessAsync_OtherExtension_IsIgnoredWithoutRecord()
    {
        using var h = PipelineHarness.Create(_converter);
        var text = await h.PutAsync(In, "notes.txt", new MemoryStream("hello"u8.ToArray()));

        (await h.Pipeline.ProcessAsync(h.Notification(text))).IgnoreReason.Should().Be(IgnoreReason.ExtensionNotEnabled);
        h.Store.TotalUploads.Should().Be(0, "a file that is not a document is not the user's document to account for");
    }

    public static TheoryData<string, string> SafeHostileNames => new()
    {
        { "../x.docx", "../x.pdf" },
        { "/abs.docx", "/abs.pdf" },
        { "a\\b.docx", "a\\b.pdf" },
        { "../../../../etc/passwd.docx", "../../../../etc/passwd.pdf" },
        { "отчёт/報告書 2024 تقرير.docx", "отчёт/報告書 2024 تقرير.pdf" },
        { "tab\there #1 ?.docx", "tab\there #1 ?.pdf" },
        { "dir/.docx.docx", "dir/.docx.pdf" },
        { new string('a', 1019) + ".docx", new string('a', 1019) + ".pdf" },
    };

    [Theory]
    [MemberData(nameof(SafeHostileNames))]
    public async Task ProcessAsync_HostileButValidName_WritesPdfUnderExpectedNameInsideStore(string objectName, string expectedOutput)
    {
        using var h = PipelineHarness.Create(_converter);
        var source = await h.PutCorpusAsync(In, objectName, GoodDocument);

        var outcome = await h.Pipeline.ProcessAsync(h.Notification(source));

        outcome.Status.Should().Be(ConversionStatus.Converted, outcome.Detail);
        outcome.OutputObject.Should().Be(expectedOutput);
        (await h.InfoAsync(Out, expectedOutput)).Should().NotBeNull();
        h.AssertNothingOutsideStore();
        h.AssertNoTempFiles();
    }

    [Fact]
    public async Task ProcessAsync_NameWhoseOutputWouldExceed1024Bytes_IsRecordedAsInvalid()
    {
        // 1,024 bytes is a valid source name; with the 4-byte prefix the PDF's name would be 1,023 + 4 bytes.
        using var h = PipelineHarness.Create(_converter, o => o.OutputPrefix = "pdf/");
        var name = new string('b', 1019) + ".docx";
        var source = await h.PutCorpusAsync(In, name, GoodDocument);

        var outcome = await h.Pipeline.ProcessAsync(h.Notification(source));

        outcome.Status.Should().Be(ConversionStatus.FailedPermanently);
        outcome.FailureKind.Should().Be(FailureKind.InvalidDocument);
        outcome.Detail.Should().Contain("1027");
        var recordName = OutputNaming.FailureRecordName(h.Options.FailurePrefix, name);
        var record = FailureRecord.Parse(await h.ReadAsync((await h.InfoAsync(Out, recordName))!));
        record!.SourceObject.Should().Be(name);
        record.FailureKind.Should().Be("invalid_document");
        _converter.Started.Should().Be(0);
        h.Store.TotalUploads.Should().Be(1, "the failure record only");
        h.AssertNothingOutsideStore();
    }

    [Theory]
    [InlineData("line\nbreak.docx")]
    [InlineData("carriage\rreturn.docx")]
    public async Task ProcessAsync_NameWithLineBreak_IsRecordedUnderHashedName(string objectName)
    {
        // Cloud Storage rejects CR and LF in object names, and so do the stores: the record's own name is derived from a
        // hash of the name, the name itself is kept exactly (JSON-escaped) inside the record.
        using var h = PipelineHarness.Create(_converter);
        var e = new StorageEvent { Bucket = In, ObjectName = objectName, Generation = 7, EventType = StorageEventType.Finalize, Size = 100 };

        var outcome = await h.Pipeline.ProcessAsync(e);

        outcome.Status.Should().Be(ConversionStatus.FailedPermanently, outcome.Detail);
        outcome.FailureKind.Should().Be(FailureKind.InvalidDocument);
        var recordName = OutputNaming.FailureRecordName(h.Options.FailurePrefix, objectName);
        recordName.Should().StartWith("docx2pdf-failures/sha256/").And.NotContainAny("\r", "\n");
        var info = await h.InfoAsync(Out, recordName);
        info.Should().NotBeNull();
        info!.Metadata.Should().Contain(OutputMetadata.SourceObjectKey, Uri.EscapeDataString(objectName));
        var record = FailureRecord.Parse(await h.ReadAsync(info));
        record!.SourceObject.Should().Be(objectName);
        record.SourceGeneration.Should().Be(7);
        record.FailureKind.Should().Be("invalid_document");
        _converter.Started.Should().Be(0);
        h.Store.TotalUploads.Should().Be(1, "the failure record only");
        h.AssertNothingOutsideStore();
    }

    [Fact]
    public async Task ProcessAsync_FailureOfNameTooLongForRecord_WritesRecordUnderHashedName()
    {
        _converter.FailWhen = _ => new DocumentRejectedException(FailureKind.InvalidDocument, "The document is corrupt.");
        using var h = PipelineHarness.Create(_converter);
        var name = new string('c', 1019) + ".docx";
        var source = await h.PutCorpusAsync(In, name, BrokenDocument);

        var outcome = await h.Pipeline.ProcessAsync(h.Notification(source));

        outcome.Status.Should().Be(ConversionStatus.FailedPermanently);
        var recordName = OutputNaming.FailureRecordName(h.Options.FailurePrefix, name);
        recordName.Should().StartWith("docx2pdf-failures/sha256/");
        var record = FailureRecord.Parse(await h.ReadAsync((await h.InfoAsync(Out, recordName))!));
        record!.SourceObject.Should().Be(name);
        h.AssertNoTempFiles();
    }

    [Fact]
    public async Task ProcessAsync_FailureRecordWriteFailsTransiently_OutcomeIsTransient()
    {
        _converter.FailWhen = _ => new DocumentRejectedException(FailureKind.InvalidDocument, "The document is corrupt.");
        using var h = PipelineHarness.Create(_converter);
        var source = await h.PutCorpusAsync(In, "unrecorded.docx", BrokenDocument);
        h.Store.FailUploadsWith = FailureKind.StorageTransient;
        h.Store.FailUploadsUnder = h.Options.FailurePrefix;

        var first = await h.Pipeline.ProcessAsync(h.Notification(source));
        h.Store.FailUploadsWith = null;
        var second = await h.Pipeline.ProcessAsync(h.Notification(source));

        first.Status.Should().Be(ConversionStatus.FailedTransiently, "a permanent failure is never acknowledged while its record can still be written");
        first.FailureKind.Should().Be(FailureKind.StorageTransient);
        second.Status.Should().Be(ConversionStatus.FailedPermanently);
        (await h.ReadFailureRecordAsync("unrecorded.docx"))!.FailureKind.Should().Be("invalid_document");
        h.AssertNoTempFiles();
    }

    [Fact]
    public async Task ProcessAsync_CustomOutputNameSelector_NamesThePdfOrSkips()
    {
        using var h = PipelineHarness.Create(_converter, o => o.OutputNameSelector = name =>
            name.StartsWith("skip/", StringComparison.Ordinal) ? null : "by-selector/" + name + ".pdf");
        var kept = await h.PutCorpusAsync(In, "keep/a.docx", GoodDocument);
        var skipped = await h.PutCorpusAsync(In, "skip/b.docx", GoodDocument);

        var keptOutcome = await h.Pipeline.ProcessAsync(h.Notification(kept));
        var skippedOutcome = await h.Pipeline.ProcessAsync(h.Notification(skipped));

        keptOutcome.OutputObject.Should().Be("by-selector/keep/a.docx.pdf");
        (await h.InfoAsync(Out, "by-selector/keep/a.docx.pdf")).Should().NotBeNull();
        skippedOutcome.IgnoreReason.Should().Be(IgnoreReason.UnsafeName);
        h.Store.TotalUploads.Should().Be(1);
    }

    [Fact]
    public async Task ProcessAsync_OutputNameSelectorThrows_FailsTransientlyInsteadOfThrowing()
    {
        using var h = PipelineHarness.Create(_converter, o => o.OutputNameSelector = _ => throw new InvalidOperationException("bug in the host"));
        var source = await h.PutCorpusAsync(In, "selector-bug.docx", GoodDocument);

        var outcome = await h.Pipeline.ProcessAsync(h.Notification(source));

        outcome.Status.Should().Be(ConversionStatus.FailedTransiently);
        outcome.Detail.Should().NotContain("bug in the host", "exception messages are not passed to callers");
        h.Store.TotalUploads.Should().Be(0);
    }

    [Fact]
    public async Task ProcessAsync_ConcurrentDeliveryCancelled_OtherDeliveryStillEndsWithOnePdf()
    {
        using var h = PipelineHarness.Create(_converter);
        var source = await h.PutCorpusAsync(In, "cancel-one.docx", GoodDocument);
        var notification = h.Notification(source);
        using var cts = new CancellationTokenSource();
        _converter.Close();

        // The first delivery leads and is held in the converter; the second joins it; then the first is cancelled.
        var cancelled = Task.Run(() => h.Pipeline.ProcessAsync(notification, cts.Token));
        await _converter.WaitForStartedAsync(1);
        var other = Task.Run(() => h.Pipeline.ProcessAsync(notification));
        await h.WaitForJoinedAsync(1);
        await cts.CancelAsync();
        var first = await cancelled;

        // The joiner was not cancelled: it takes the work over and converts.
        await _converter.WaitForStartedAsync(2);
        _converter.Open();
        var second = await other;

        first.Status.Should().Be(ConversionStatus.FailedTransiently);
        first.FailureKind.Should().Be(FailureKind.Interrupted);
        second.Status.Should().Be(ConversionStatus.Converted, second.Detail);
        (await h.InfoAsync(Out, "cancel-one.pdf")).Should().NotBeNull();
        h.Store.TotalUploads.Should().Be(1);
        h.AssertNoTempFiles();
    }
}
