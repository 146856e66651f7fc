using System.Text;
using Docx2Pdf.Testing;

namespace Docx2Pdf.Core.Tests;

// Proves the shared emulator fixture itself: a real publish comes back from a real pull.
[Trait("Layer", "Integration")]
public sealed class PubSubEmulatorTests
{
    [Fact]
    public async Task PublishThenPull_RealEmulator_ReturnsTheMessageWithAttributes()
    {
        await using var emulator = await PubSubEmulator.StartAsync();
        await emulator.CreateTopicAsync("fixture-topic");
        await emulator.CreateSubscriptionAsync("fixture-topic", "fixture-sub");

        await emulator.PublishStorageNotificationAsync("fixture-topic", "in-bucket", "dir/ä b.docx", 1234, 42);

        var received = await emulator.PullNowAsync("fixture-sub");
        received.Should().ContainSingle();
        var message = received[0].GetProperty("message");
        message.GetProperty("attributes").GetProperty("objectId").GetString().Should().Be("dir/ä b.docx");
        Encoding.UTF8.GetString(Convert.FromBase64String(message.GetProperty("data").GetString()!)).Should().Contain("\"generation\":\"1234\"");
    }
}
