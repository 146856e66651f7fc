using System.Collections.Concurrent;
using System.Net;
using Docx2Pdf.Pipeline;
using Docx2Pdf.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Docx2Pdf.AspNetCore.Tests;

// Issue 9 finding 1 (the bucket half): one push naming attacker-bucket/contract.docx replaced the user's own contract.pdf
// with a PDF of the attacker's document. With Docx2Pdf:InputBuckets named, such an event is acknowledged, logged and
// counted, and nothing is read from the other bucket.
[Trait("Layer", "Integration")]
public sealed class InputBucketTests
{
    [Fact]
    public async Task Push_EventForABucketNotNamed_AcknowledgedAndNothingRead()
    {
        var reads = new ConcurrentQueue<string>();
        await using var server = await TestServer.StartAsync(
            services =>
            {
                var real = services.Last(d => d.ServiceType == typeof(IObjectStore));
                services.Replace(ServiceDescriptor.Singleton<IObjectStore>(sp =>
                    new ReadRecordingStore((IObjectStore)(real.ImplementationFactory?.Invoke(sp) ?? real.ImplementationInstance!), reads)));
            },
            docx2Pdf: o => o.InputBuckets = [TestServer.InputBucket]);
        using var client = server.CreateClient();

        using var push = PushRequests.Wrapped("attacker-bucket", "contract.docx", 7, 1000, messageId: "foreign-1");
        var response = await client.SendAsync(push);

        response.StatusCode.Should().Be(HttpStatusCode.NoContent, "acknowledged: a redelivery could never succeed");
        server.Processed.Should().ContainSingle().Which.Outcome.IgnoreReason.Should().Be(IgnoreReason.BucketNotAllowed);
        reads.Should().BeEmpty("nothing is read from, or written for, a bucket that is not named");
    }

    private sealed class ReadRecordingStore(IObjectStore inner, ConcurrentQueue<string> calls) : IObjectStore
    {
        public Task<ObjectInfo?> GetInfoAsync(string bucket, string objectName, CancellationToken cancellationToken = default)
        {
            calls.Enqueue($"info {bucket}/{objectName}");
            return inner.GetInfoAsync(bucket, objectName, cancellationToken);
        }

        public Task DownloadAsync(string bucket, string objectName, long generation, Stream destination, CancellationToken cancellationToken = default)
        {
            calls.Enqueue($"download {bucket}/{objectName}");
            return inner.DownloadAsync(bucket, objectName, generation, destination, cancellationToken);
        }

        public Task<ObjectInfo> UploadAsync(string bucket, string objectName, Stream content, ObjectWriteOptions options, CancellationToken cancellationToken = default)
        {
            calls.Enqueue($"upload {bucket}/{objectName}");
            return inner.UploadAsync(bucket, objectName, content, options, cancellationToken);
        }

        public Task DeleteAsync(string bucket, string objectName, long? ifGenerationMatch = null, CancellationToken cancellationToken = default)
        {
            calls.Enqueue($"delete {bucket}/{objectName}");
            return inner.DeleteAsync(bucket, objectName, ifGenerationMatch, cancellationToken);
        }
    }
}
