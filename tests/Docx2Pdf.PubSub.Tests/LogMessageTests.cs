using Docx2Pdf.Testing;

namespace Docx2Pdf.PubSub.Tests;

public sealed class LogMessageTests
{
    // Issue 9 finding 10: message ids, subscriptions and attribute values are escaped in every log line (LogText).
    [Fact]
    public void LoggerMessages_PubSub_NoRawStringParameter() =>
        LogMessages.RawStringParameters(typeof(PubSubPullOptions).Assembly).Should().BeEmpty();
}
