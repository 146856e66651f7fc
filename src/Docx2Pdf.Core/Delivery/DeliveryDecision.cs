namespace Docx2Pdf.Delivery;

/// <summary>What an adapter does with one delivery.</summary>
internal enum DeliveryAction
{
    /// <summary>Acknowledge: push answers 204, pull acknowledges.</summary>
    Acknowledge,

    /// <summary>Redeliver after <see cref="DeliveryDecision.RetryAfter"/>: push answers 429/503 with Retry-After, pull sets the ack deadline.</summary>
    Retry,

    /// <summary>Refuse a message that is no storage event: push answers 400, pull hands it back at once.</summary>
    Reject,
}

/// <summary>
/// The one decision an adapter translates (HTTP status, ack or modifyAckDeadline). Made by <see cref="DeliveryPolicy"/> only;
/// a retry always carries its delay.
/// </summary>
internal sealed record DeliveryDecision
{
    private DeliveryDecision(DeliveryAction action, TimeSpan retryAfter, FailureKind? failureKind, string? detail, string? invalidField)
    {
        Action = action;
        RetryAfter = retryAfter;
        FailureKind = failureKind;
        Detail = detail;
        InvalidField = invalidField;
    }

    public DeliveryAction Action { get; }

    /// <summary>For <see cref="DeliveryAction.Retry"/>: when to deliver again (zero: at once). <see cref="TimeSpan.Zero"/> otherwise.</summary>
    public TimeSpan RetryAfter { get; }

    /// <summary>Why the work failed, when it did (also set for a recorded permanent failure that is acknowledged).</summary>
    public FailureKind? FailureKind { get; }

    /// <summary>A short explanation safe to return to the sender (no content, paths or secrets).</summary>
    public string? Detail { get; }

    /// <summary>For an invalid message: the field that is wrong.</summary>
    public string? InvalidField { get; }

    /// <summary>A retry because every converter was busy: push answers 429 (back-pressure) rather than 503.</summary>
    public bool IsBackPressure => Action == DeliveryAction.Retry && FailureKind == Docx2Pdf.FailureKind.ConverterBusy;

    public static DeliveryDecision Acknowledge(FailureKind? failureKind = null, string? detail = null) =>
        new(DeliveryAction.Acknowledge, TimeSpan.Zero, failureKind, detail, invalidField: null);

    public static DeliveryDecision Retry(FailureKind failureKind, TimeSpan retryAfter, string? detail) =>
        new(DeliveryAction.Retry, retryAfter < TimeSpan.Zero ? TimeSpan.Zero : retryAfter, failureKind, detail, invalidField: null);

    public static DeliveryDecision Reject(string field, string detail) =>
        new(DeliveryAction.Reject, TimeSpan.Zero, Docx2Pdf.FailureKind.InvalidMessage, detail, field);
}
