using Docx2Pdf.Pipeline;
using Docx2Pdf.Testing;
using Docx2Pdf.Testing.Storage;

namespace Docx2Pdf.AspNetCore.Tests;

// A storage server that answers 503: GcsObjectStore (Google.Cloud.Storage.V1, its retries cut to one) over HTTP to the
// in-test Cloud Storage JSON API server with fault injection, Google's Pub/Sub emulator pushing to real Kestrel.
// The first delivery exhausts the store's retries, the pipeline reports StorageTransient, the endpoint answers 503,
// Pub/Sub redelivers, and the redelivery converts and is answered 204 (acknowledged). Every wait is for an event.
[Trait("Layer", "Integration")]
public sealed class StorageFaultEndToEndTests
{
    private const int AckDeadlineSeconds = 10;

    [Fact]
    public async Task Push_StorageServerAnswers503_503ThenConvertedOnRedeliveryAndNoFailureRecord()
    {
        await using var gcs = await GcsTestServer.StartAsync();
        await using var emulator = await PubSubEmulator.StartAsync();
        await using var server = await TestServer.StartAsync(docx2Pdf: o =>
        {
            o.Storage.Provider = StorageProvider.CloudStorage;
            o.Storage.CloudStorage.BaseUri = gcs.BaseUri;
            o.Storage.CloudStorage.UnauthenticatedAccess = true;
            o.Storage.CloudStorage.MaxRetryAttempts = 1;
            o.Storage.CloudStorage.RetryBaseDelay = TimeSpan.FromMilliseconds(10);
        });
        var info = await server.PutAsync("faulty/doc.docx", Corpus.Get("python-docx/test.docx").FullPath);
        await emulator.CreateTopicAsync("fault-topic");
        await emulator.CreateSubscriptionAsync("fault-topic", "fault-sub", AckDeadlineSeconds, server.BaseAddress);

        // The first read and its one retry fail; everything after succeeds.
        gcs.FailNext(2, 503, "GET");
        var messageId = await emulator.PublishStorageNotificationAsync("fault-topic", TestServer.InputBucket, "faulty/doc.docx", info.Generation, info.Size);

        // Watch the storage server's own state, not through HTTP: a polling GET would use up the injected faults.
        await Eventually.UntilAsync(() => gcs.GetObject(TestServer.OutputBucket, "faulty/doc.pdf") is not null, TimeSpan.FromSeconds(90), "the PDF after the redelivery");
        await Eventually.UntilAsync(() => server.Requests.Any(r => r.Status == 204), TimeSpan.FromSeconds(30), "the redelivery answered 204");

        gcs.GetObject(TestServer.OutputBucket, "faulty/doc.pdf").Should().NotBeNull("Pub/Sub redelivered after the 503 and the second delivery converted");
        var outcomes = server.Processed.Where(p => p.Event.MessageId == messageId).Select(p => p.Outcome).ToList();
        outcomes.Should().HaveCount(2, "one failed delivery, one successful redelivery; storage saw: " + string.Join(" | ", gcs.Requests));
        outcomes[0].Status.Should().Be(ConversionStatus.FailedTransiently);
        outcomes[0].FailureKind.Should().Be(FailureKind.StorageTransient);
        outcomes[1].Status.Should().Be(ConversionStatus.Converted);
        server.Requests.Select(r => r.Status).Should().Equal(503, 204);
        gcs.ListObjects(TestServer.OutputBucket).Should().Equal("faulty/doc.pdf");
    }
}
