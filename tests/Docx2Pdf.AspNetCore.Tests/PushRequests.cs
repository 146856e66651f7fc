using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Docx2Pdf.Testing;

namespace Docx2Pdf.AspNetCore.Tests;

/// <summary>Push and Eventarc requests shaped as Pub/Sub and Eventarc send them.</summary>
public static class PushRequests
{
    public const string Subscription = "projects/docx2pdf-test/subscriptions/push";

    /// <summary>
    /// Publish and event times are now, as on a real delivery: a fixed date turns every transient failure into a permanent
    /// one once it is older than Docx2Pdf:MaxRetryAge (a test that depends on the day it runs).
    /// </summary>
    public static string Now() => DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static HttpRequestMessage Wrapped(string bucket, string objectName, long generation, long size, string eventType = "OBJECT_FINALIZE", string? messageId = null, int? deliveryAttempt = null)
    {
        var (data, attributes) = StorageNotification.Create(bucket, objectName, generation, size, eventType);
        var attrs = new JsonObject();
        foreach (var (k, v) in attributes)
        {
            attrs[k] = v;
        }

        var body = new JsonObject
        {
            ["message"] = new JsonObject
            {
                ["attributes"] = attrs,
                ["data"] = Convert.ToBase64String(data),
                ["messageId"] = messageId ?? Guid.NewGuid().ToString("N"),
                ["publishTime"] = Now(),
            },
            ["subscription"] = Subscription,
        };
        if (deliveryAttempt is { } attempt)
        {
            // Sent by Pub/Sub when the subscription has a dead-letter policy.
            body["deliveryAttempt"] = attempt;
        }

        return new HttpRequestMessage(HttpMethod.Post, "/") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
    }

    public static JsonObject ObjectResource(string bucket, string objectName, long generation, long size) => new()
    {
        ["kind"] = "storage#object",
        ["bucket"] = bucket,
        ["name"] = objectName,
        ["generation"] = generation.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["metageneration"] = "1",
        ["contentType"] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ["size"] = size.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["timeCreated"] = Now(),
        ["updated"] = Now(),
    };

    /// <summary>Eventarc's binary mode: ce-* headers and the object resource as the JSON body.</summary>
    public static HttpRequestMessage CloudEventBinary(string bucket, string objectName, long generation, long size, string id)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new StringContent(ObjectResource(bucket, objectName, generation, size).ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("ce-id", id);
        request.Headers.Add("ce-source", $"//storage.googleapis.com/projects/_/buckets/{bucket}");
        request.Headers.Add("ce-subject", $"objects/{objectName}");
        request.Headers.Add("ce-type", "google.cloud.storage.object.v1.finalized");
        request.Headers.Add("ce-specversion", "1.0");
        request.Headers.Add("ce-time", Now());
        return request;
    }

    /// <summary>Structured mode: the whole CloudEvent as one application/cloudevents+json document.</summary>
    public static HttpRequestMessage CloudEventStructured(string bucket, string objectName, long generation, long size, string id)
    {
        var cloudEvent = new JsonObject
        {
            ["specversion"] = "1.0",
            ["id"] = id,
            ["source"] = $"//storage.googleapis.com/projects/_/buckets/{bucket}",
            ["subject"] = $"objects/{objectName}",
            ["type"] = "google.cloud.storage.object.v1.finalized",
            ["time"] = Now(),
            ["datacontenttype"] = "application/json",
            ["data"] = ObjectResource(bucket, objectName, generation, size),
        };
        var content = new StringContent(cloudEvent.ToJsonString(), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/cloudevents+json") { CharSet = "utf-8" };
        return new HttpRequestMessage(HttpMethod.Post, "/") { Content = content };
    }
}
