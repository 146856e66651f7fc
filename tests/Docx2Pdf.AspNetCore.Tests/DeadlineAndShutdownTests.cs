using System.Net;
using System.Text.Json.Nodes;
using Docx2Pdf.AspNetCore.PubSub;
using Docx2Pdf.Notifications;
using Docx2Pdf.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Docx2Pdf.AspNetCore.Tests;

// A pipeline that takes "too long" is the real pipeline behind a gate: the gate waits (for a release or for the
// endpoint's cancellation), then the real pipeline runs with the endpoint's token, so a cancelled request gets the
// real pipeline's Interrupted outcome.
[Trait("Layer", "Integration")]
public sealed class DeadlineAndShutdownTests
{
    [Fact]
    public async Task Push_WorkOutlivingTheAckDeadline_CancelledAndAnswered503()
    {
        var gate = new Gate();
        await using var server = await TestServer.StartAsync(
            services => services.Configure<PubSubPushOptions>(o =>
            {
                o.AckDeadline = TimeSpan.FromSeconds(10);
                o.DeadlineSafetyMargin = TimeSpan.FromSeconds(4);
            }),
            decoratePipeline: real => new GatedPipeline(real, gate));
        using var client = server.CreateClient();

        using var request = PushRequests.Wrapped(TestServer.InputBucket, "slow/doc.docx", 1, 100, messageId: "slow-1");
        var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        response.Headers.RetryAfter.Should().NotBeNull();
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["failureKind"]!.GetValue<string>().Should().Be("interrupted");
        gate.SawCancellation.Should().BeTrue("the work itself was cancelled, not just answered");
        server.Processed.Should().ContainSingle(p => p.Outcome.FailureKind == FailureKind.Interrupted);
    }

    [Fact]
    public async Task Shutdown_InFlightPushOutlivingTheShutdownTimeout_CancelledAndAnswered503()
    {
        var gate = new Gate();
        await using var server = await TestServer.StartAsync(
            services => services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(6)),
            decoratePipeline: real => new GatedPipeline(real, gate));
        using var client = server.CreateClient();

        using var request = PushRequests.Wrapped(TestServer.InputBucket, "stop/doc.docx", 1, 100, messageId: "stop-1");
        var sending = client.SendAsync(request);
        await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var stopping = server.App.StopAsync();
        var response = await sending;
        await stopping;

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["failureKind"]!.GetValue<string>().Should().Be("interrupted");
        gate.SawCancellation.Should().BeTrue();
    }

    [Fact]
    public async Task Shutdown_InFlightPushFinishingWithinTheTimeout_Completes()
    {
        var gate = new Gate();
        await using var server = await TestServer.StartAsync(
            services => services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(60)),
            decoratePipeline: real => new GatedPipeline(real, gate));
        using var client = server.CreateClient();

        using var request = PushRequests.Wrapped(TestServer.InputBucket, "stop/ok.docx", 1, 100, eventType: "OBJECT_DELETE", messageId: "stop-ok");
        var sending = client.SendAsync(request);
        await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var stopping = server.App.StopAsync();
        gate.Release();
        var response = await sending;
        await stopping;

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        gate.SawCancellation.Should().BeFalse();
    }

    [Fact]
    public async Task Shutdown_NewRequestAfterStoppingBegan_Answered503()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.CreateClient();

        // StopApplication fires ApplicationStopping; with StartAsync (no Run) the server keeps listening, which lets the
        // test reach the endpoint in the window a real host has between that signal and closing its listeners.
        server.App.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        using var request = PushRequests.Wrapped(TestServer.InputBucket, "late.docx", 1, 100, eventType: "OBJECT_DELETE", messageId: "late-1");
        var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        response.Headers.RetryAfter.Should().NotBeNull();
        server.Processed.Should().BeEmpty();
    }

    private sealed class Gate
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool SawCancellation { get; private set; }

        public void Release() => _release.TrySetResult();

        public async Task WaitAsync(CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            try
            {
                await _release.Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                SawCancellation = true;
            }
        }
    }

    private sealed class GatedPipeline(IConversionPipeline real, Gate gate) : IConversionPipeline
    {
        public async Task<ConversionOutcome> ProcessAsync(StorageEvent storageEvent, CancellationToken cancellationToken = default)
        {
            await gate.WaitAsync(cancellationToken);
            return await real.ProcessAsync(storageEvent, cancellationToken);
        }
    }
}
