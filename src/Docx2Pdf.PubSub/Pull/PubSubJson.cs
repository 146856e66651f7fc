using System.Text.Json;
using System.Text.Json.Serialization;

namespace Docx2Pdf.PubSub.Pull;

// Request and response bodies of the Pub/Sub REST API v1 (https://cloud.google.com/pubsub/docs/reference/rest).
internal sealed record PullRequest(int MaxMessages, bool ReturnImmediately);

internal sealed record PullResponse(IReadOnlyList<ReceivedMessage>? ReceivedMessages);

/// <summary>One pulled message. <see cref="Message"/> stays raw JSON: the shared reader in Docx2Pdf.Core parses it.</summary>
internal sealed record ReceivedMessage(string AckId, JsonElement Message, int? DeliveryAttempt);

internal sealed record AcknowledgeRequest(IReadOnlyList<string> AckIds);

internal sealed record ModifyAckDeadlineRequest(IReadOnlyList<string> AckIds, int AckDeadlineSeconds);

internal sealed record PublishRequest(IReadOnlyList<OutgoingMessage> Messages);

internal sealed record OutgoingMessage(string Data, IReadOnlyDictionary<string, string>? Attributes);

internal sealed record PublishResponse(IReadOnlyList<string>? MessageIds);

internal sealed record ErrorResponse(ErrorBody? Error);

internal sealed record ErrorBody(int Code, string? Message, string? Status);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PullRequest))]
[JsonSerializable(typeof(PullResponse))]
[JsonSerializable(typeof(AcknowledgeRequest))]
[JsonSerializable(typeof(ModifyAckDeadlineRequest))]
[JsonSerializable(typeof(PublishRequest))]
[JsonSerializable(typeof(PublishResponse))]
[JsonSerializable(typeof(ErrorResponse))]
internal sealed partial class PubSubJsonContext : JsonSerializerContext;
