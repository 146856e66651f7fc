using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Docx2Pdf.AspNetCore.Tests;

[Trait("Layer", "Integration")]
public sealed class HealthTests
{
    [Fact]
    public async Task HealthChecks_WarmPoolAndStore_ReadyAndLive()
    {
        await using var server = await TestServer.StartAsync(
            services => services.AddHealthChecks().AddDocx2Pdf().AddDocx2Pdf(),
            map: app =>
            {
                app.MapPubSubConversion();
                app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteJsonAsync });
                app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = c => c.Tags.Contains("live") });
            });
        using var client = server.CreateClient();

        var ready = await client.GetAsync(new Uri("/healthz/ready", UriKind.Relative));
        var live = await client.GetAsync(new Uri("/healthz/live", UriKind.Relative));

        ready.StatusCode.Should().Be(HttpStatusCode.OK);
        var report = JsonNode.Parse(await ready.Content.ReadAsStringAsync())!;
        report["entries"]!.AsArray().Should().ContainSingle("AddDocx2Pdf() twice registers the checks once");
        report["entries"]![0]!["name"]!.GetValue<string>().Should().Be("docx2pdf-ready");
        report["entries"]![0]!["status"]!.GetValue<string>().Should().Be("Healthy");
        report["entries"]![0]!["readyInstances"]!.GetValue<int>().Should().Be(1);
        live.StatusCode.Should().Be(HttpStatusCode.OK);
        (await live.Content.ReadAsStringAsync()).Should().Be("Healthy");
    }

    [Fact]
    public async Task HealthChecks_StorageUnreachable_NotReadyButLive()
    {
        // Nothing listens on this port: every storage call fails at once.
        var deadStorage = new Uri($"http://127.0.0.1:{Docx2Pdf.Testing.FreePort.Next()}/storage/v1/");
        await using var server = await TestServer.StartAsync(
            services => services.AddHealthChecks().AddDocx2Pdf(),
            map: app =>
            {
                app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
                app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = c => c.Tags.Contains("live") });
            },
            docx2Pdf: o =>
            {
                o.Storage.Provider = StorageProvider.CloudStorage;
                o.Storage.CloudStorage.BaseUri = deadStorage;
                o.Storage.CloudStorage.UnauthenticatedAccess = true;
                o.Storage.CloudStorage.MaxRetryAttempts = 0;
            });
        using var client = server.CreateClient();

        var ready = await client.GetAsync(new Uri("/healthz/ready", UriKind.Relative));
        var live = await client.GetAsync(new Uri("/healthz/live", UriKind.Relative));

        ready.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await ready.Content.ReadAsStringAsync()).Should().Be("Unhealthy");
        live.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private static Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        var entries = new JsonArray();
        foreach (var (name, entry) in report.Entries)
        {
            var item = new JsonObject { ["name"] = name, ["status"] = entry.Status.ToString() };
            foreach (var (key, value) in entry.Data)
            {
                item[key] = JsonValue.Create(value);
            }

            entries.Add(item);
        }

        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(new JsonObject { ["status"] = report.Status.ToString(), ["entries"] = entries }.ToJsonString());
    }
}
