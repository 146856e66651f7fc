namespace Docx2Pdf.Delivery;

/// <summary>What the push endpoint and the pull subscriber do with a delivery that is not a storage event at all.</summary>
public enum InvalidMessageHandling
{
    /// <summary>
    /// Acknowledge it (push: 204; pull: acknowledge), so Pub/Sub does not redeliver a message that can never succeed for up to
    /// 7 days. It is logged at Error with its message id and the offending field, and counted (<c>invalid_message</c>).
    /// </summary>
    Acknowledge,

    /// <summary>
    /// Reject it (push: 400 with a problem body; pull: hand it back at once), so Pub/Sub keeps it and, when the subscription
    /// has a dead-letter topic, moves it there after the maximum delivery attempts. Logged and counted the same way.
    /// </summary>
    Reject,
}
