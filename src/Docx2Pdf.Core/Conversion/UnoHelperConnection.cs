using System.Text.Json;

namespace Docx2Pdf.Conversion;

/// <summary>How a request to an instance ended when it did not produce a reply.</summary>
internal enum InstanceFailure
{
    /// <summary>The helper or soffice.bin died.</summary>
    Crashed,

    /// <summary>The conversion timeout passed; the instance was killed.</summary>
    TimedOut,

    /// <summary>soffice.bin went past the instance memory cap; the instance was killed.</summary>
    MemoryCapExceeded,
}

/// <summary>Thrown when an instance died or was killed before it answered.</summary>
internal sealed class InstanceFailedException(InstanceFailure failure, string message) : Exception(message)
{
    public InstanceFailure Failure { get; } = failure;
}

/// <summary>
/// The conversation with one UNO helper over its stdin/stdout (see <see cref="UnoHelperRequest"/>): the ready event,
/// then one request and one reply at a time. Knows nothing of processes; the end of its output means the helper died.
/// </summary>
internal sealed class UnoHelperConnection
{
    private readonly StreamWriter _input;
    private readonly StreamReader _output;
    private readonly TaskCompletionSource<UnoHelperReply> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource<UnoHelperReply>? _pending;
    private long _nextId;

    public UnoHelperConnection(StreamWriter input, StreamReader output)
    {
        _input = input;
        _output = output;
        Completion = Task.Run(ReadLoopAsync);
    }

    /// <summary>Completes with the helper's ready event (soffice.bin accepts UNO calls), or fails when the start failed.</summary>
    public Task<UnoHelperReply> Ready => _ready.Task;

    /// <summary>Completes when the helper's output ended (it exited or was killed).</summary>
    public Task Completion { get; }

    /// <summary>Sends one request; the returned task completes with its reply or fails when the helper dies first.</summary>
    public async Task<Task<UnoHelperReply>> SendAsync(UnoHelperRequest request, CancellationToken cancellationToken)
    {
        var tcs = new TaskCompletionSource<UnoHelperReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        request = request with { Id = Interlocked.Increment(ref _nextId) };
        Volatile.Write(ref _pending, tcs);
        if (Completion.IsCompleted)
        {
            throw new InstanceFailedException(InstanceFailure.Crashed, "The LibreOffice helper is not running.");
        }

        try
        {
            await _input.WriteLineAsync(JsonSerializer.Serialize(request, UnoHelperJsonContext.Default.UnoHelperRequest).AsMemory(), cancellationToken).ConfigureAwait(false);
            await _input.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new InstanceFailedException(InstanceFailure.Crashed, "The LibreOffice helper closed its input: " + ex.Message);
        }

        return tcs.Task;
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (await _output.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                UnoHelperReply? message;
                try
                {
                    message = JsonSerializer.Deserialize(line, UnoHelperJsonContext.Default.UnoHelperReply);
                }
                catch (JsonException)
                {
                    continue; // Not ours (a library printing to stdout); the protocol lines are all JSON objects.
                }

                if (message is null)
                {
                    continue;
                }

                if (message.Event == "ready")
                {
                    _ready.TrySetResult(message);
                }
                else if (message.Event == "startFailed")
                {
                    _ready.TrySetException(new InvalidOperationException("LibreOffice did not start: " + message.Message));
                }
                else if (message.Id is not null)
                {
                    Interlocked.Exchange(ref _pending, null)?.TrySetResult(message);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The helper went away; handled below like an end of stream.
        }

        _ready.TrySetException(new InvalidOperationException("The LibreOffice helper exited during start."));
        Interlocked.Exchange(ref _pending, null)?.TrySetException(new InstanceFailedException(InstanceFailure.Crashed, "The LibreOffice instance exited during the conversion."));
    }
}
