namespace Docx2Pdf.Testing;

/// <summary>
/// Waits for an event a test cannot be told about directly (a file appears, a log line is written, a process is gone), with
/// a generous bound. The bound only decides when to give up: a passing test never waits for it.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    /// <summary>Returns once <paramref name="condition"/> holds; throws <see cref="TimeoutException"/> naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    /// <param name="condition">The event, checked every 50 ms.</param>
    /// <param name="timeout">When to give up.</param>
    /// <param name="what">What was awaited, for the failure message.</param>
    /// <param name="describe">State to add to the failure message.</param>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what, Func<string>? describe = null) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, what, describe);

    /// <inheritdoc cref="UntilAsync(Func{bool}, TimeSpan, string, Func{string}?)"/>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string>? describe = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (!await condition().ConfigureAwait(false))
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                var state = describe is null ? string.Empty : Environment.NewLine + describe();
                throw new TimeoutException($"Gave up after {timeout.TotalSeconds:0.#} s waiting for: {what}{state}");
            }

            await Task.Delay(Poll).ConfigureAwait(false);
        }
    }

    /// <summary>Returns the first non-null value of <paramref name="probe"/>; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    /// <typeparam name="T">The value.</typeparam>
    /// <param name="probe">Reads the value, or null while the event has not happened.</param>
    /// <param name="timeout">When to give up.</param>
    /// <param name="what">What was awaited, for the failure message.</param>
    public static async Task<T> ValueAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(probe);
        T? value = null;
        await UntilAsync(async () => (value = await probe().ConfigureAwait(false)) is not null, timeout, what).ConfigureAwait(false);
        return value!;
    }
}
