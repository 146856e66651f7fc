using System.Diagnostics;
using System.Text;
using Docx2Pdf.Conversion;
using Docx2Pdf.Pipeline;
using Docx2Pdf.PubSub.Pull;
using Docx2Pdf.Testing.Doubles;
using Microsoft.Extensions.DependencyInjection;

namespace Docx2Pdf.PubSub.Tests;

// Issue 9 finding 14: the lease lock was held across modifyAckDeadline calls whose total timeout (120 s) exceeded the ack
// deadline (60 s), so one hanging lease extension stalled acks and pulls and leases lapsed. Against Google's emulator: the
// lease extensions are made to hang (a handler on the wire that answers nothing until the call gives up), and the ack of
// a finished conversion must go out while an extension still hangs; the hanging call must be given up before the ack
// deadline. Overlap is made with a gate after the real conversion, not by timing.
[Trait("Layer", "Integration")]
public sealed class PullLeaseTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Pull_LeaseExtensionHangs_AckNotHeldBackAndTheHangingCallGivenUpBeforeTheAckDeadline()
    {
        await using var env = await PullTestEnvironment.StartAsync(ackDeadlineSeconds: 10);
        await env.AddDocumentAsync("lease.docx");
        var wire = new HangingLeaseExtensions(extensionSeconds: 10);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var converted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var host = await env.StartHostAsync(poolSize: 1, services: services =>
        {
            services.AddHttpClient<PubSubClient>().AddHttpMessageHandler(() => wire);
            services.AddSingleton<IDocumentConverter>(sp => new HeldAfterConversion(sp.GetRequiredService<GatedConverter>(), converted, gate.Task));
        });
        await converted.Task.WaitAsync(Patience);
        wire.Armed = true;
        await wire.Hanging.WaitAsync(Patience);
        gate.SetResult();
        await PullTestEnvironment.WaitUntilAsync(() => wire.Acknowledged, Patience, "the acknowledgement", host);
        await PullTestEnvironment.WaitUntilAsync(() => wire.GivenUp.Count > 0, Patience, "the hanging extension given up", host);
        await host.StopAsync();

        wire.HangingWhenAcknowledged.Should().BeGreaterThan(0, "the ack went out while a lease extension still hung: no lock is held across a call");
        wire.GivenUp[0].Should().BeLessThan(TimeSpan.FromSeconds(10), "every Pub/Sub call is given up before the ack deadline (10 s)");
        host.Pipeline.Processed.Should().ContainSingle().Which.Outcome.Status.Should().Be(ConversionStatus.Converted);
        env.Store.UploadsOf(PullTestEnvironment.OutputBucket, "lease.pdf").Should().Be(1);
    }

    /// <summary>On the wire, below the retry and timeout handlers: lease extensions hang once armed, until their call gives up.</summary>
    private sealed class HangingLeaseExtensions(int extensionSeconds) : DelegatingHandler
    {
        private readonly TaskCompletionSource _hanging = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _pending;

        public volatile bool Armed;

        public Task Hanging => _hanging.Task;

        public bool Acknowledged { get; private set; }

        public int HangingWhenAcknowledged { get; private set; } = -1;

        public List<TimeSpan> GivenUp { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            if (Armed && path.EndsWith(":modifyAckDeadline", StringComparison.Ordinal) &&
                (await request.Content!.ReadAsStringAsync(cancellationToken)).Contains($"\"ackDeadlineSeconds\":{extensionSeconds}", StringComparison.Ordinal))
            {
                var started = Stopwatch.StartNew();
                Interlocked.Increment(ref _pending);
                _hanging.TrySetResult();
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                finally
                {
                    Interlocked.Decrement(ref _pending);
                    lock (GivenUp)
                    {
                        GivenUp.Add(started.Elapsed);
                    }
                }
            }

            if (path.EndsWith(":acknowledge", StringComparison.Ordinal) && !Acknowledged)
            {
                HangingWhenAcknowledged = Volatile.Read(ref _pending);
                Acknowledged = true;
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>The real conversion, then held until the test opens the gate.</summary>
    private sealed class HeldAfterConversion(IDocumentConverter inner, TaskCompletionSource converted, Task gate) : IDocumentConverter
    {
        public async Task<ConversionResult> ConvertAsync(Stream input, Stream output, PdfConversionOptions? options = null, CancellationToken cancellationToken = default)
        {
            var result = await inner.ConvertAsync(input, output, options, cancellationToken);
            converted.TrySetResult();
            await gate.WaitAsync(cancellationToken);
            return result;
        }

        public async Task<ConversionResult> ConvertAsync(string inputPath, string outputPath, PdfConversionOptions? options = null, CancellationToken cancellationToken = default)
        {
            var result = await inner.ConvertAsync(inputPath, outputPath, options, cancellationToken);
            converted.TrySetResult();
            await gate.WaitAsync(cancellationToken);
            return result;
        }
    }
}

public sealed class PullCallTimeoutTests
{
    [Fact]
    public void CallTimeout_IsHalfTheAckDeadline() =>
        PubSubPullSubscriber.CallTimeout(new PubSubPullOptions { AckDeadline = TimeSpan.FromSeconds(60), RequestTimeout = TimeSpan.FromMinutes(5) })
            .Should().Be(TimeSpan.FromSeconds(30));
}
