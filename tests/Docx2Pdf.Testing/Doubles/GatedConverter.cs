using Docx2Pdf.Conversion;

namespace Docx2Pdf.Testing.Doubles;

/// <summary>
/// A test converter: either a stand-in that writes a small PDF at once (no LibreOffice, for the fast layer), or the real
/// converter behind it. Calls are counted, can be held at a gate until the test releases them (overlap made, not hoped for),
/// can fail with a chosen typed failure, and beyond <see cref="Capacity"/> calls in progress answer busy as a full pool does.
/// </summary>
public sealed class GatedConverter : IDocumentConverter
{
    /// <summary>What the stand-in writes: the smallest file that starts like a PDF.</summary>
    public static readonly byte[] PdfBytes = "%PDF-1.4\n%%EOF\n"u8.ToArray();

    private readonly IDocumentConverter? _inner;
    private readonly Lock _lock = new();
    private TaskCompletionSource _gate = Opened();
    private int _started;
    private int _inProgress;
    private int _completed;

    /// <summary>Creates the converter.</summary>
    /// <param name="inner">The converter that does the work once a call passes the gate; null writes <see cref="PdfBytes"/>.</param>
    public GatedConverter(IDocumentConverter? inner = null) => _inner = inner;

    /// <summary>Calls that entered (including the ones held at the gate and the ones answered busy).</summary>
    public int Started => Volatile.Read(ref _started);

    /// <summary>Calls entered and not finished yet.</summary>
    public int InProgress => Volatile.Read(ref _inProgress);

    /// <summary>Calls that returned a result.</summary>
    public int Completed => Volatile.Read(ref _completed);

    /// <summary>At most this many calls in progress; one more fails with <see cref="ConverterBusyException"/>. Null: no limit.</summary>
    public int? Capacity { get; set; }

    /// <summary>Decides a failure from the input's bytes (thrown after the gate); null or returning null: convert.</summary>
    public Func<byte[], Exception?>? FailWhen { get; set; }

    /// <summary>From now on, calls wait at the gate until <see cref="Open"/> (or their cancellation).</summary>
    public void Close()
    {
        lock (_lock)
        {
            if (_gate.Task.IsCompleted)
            {
                _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Lets every held call, and every later one, through.</summary>
    public void Open()
    {
        lock (_lock)
        {
            _gate.TrySetResult();
        }
    }

    /// <summary>Waits until <paramref name="count"/> calls have entered (held at the gate, or through it).</summary>
    /// <param name="count">How many.</param>
    /// <param name="timeout">When to give up; the default is two minutes.</param>
    public Task WaitForStartedAsync(int count, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(() => Started >= count, timeout ?? TimeSpan.FromMinutes(2), $"{count} conversions started (now {Started})");

    /// <inheritdoc />
    public async Task<ConversionResult> ConvertAsync(Stream input, Stream output, PdfConversionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        using var buffer = new MemoryStream();
        await input.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return await RunAsync(
            buffer.ToArray(),
            async () =>
            {
                if (_inner is not null)
                {
                    using var again = new MemoryStream(buffer.ToArray(), writable: false);
                    return await _inner.ConvertAsync(again, output, options, cancellationToken).ConfigureAwait(false);
                }

                await output.WriteAsync(PdfBytes, cancellationToken).ConfigureAwait(false);
                return new ConversionResult(PdfBytes.Length, TimeSpan.Zero, TimeSpan.Zero);
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<ConversionResult> ConvertAsync(string inputPath, string outputPath, PdfConversionOptions? options = null, CancellationToken cancellationToken = default)
    {
        var bytes = await File.ReadAllBytesAsync(inputPath, cancellationToken).ConfigureAwait(false);
        return await RunAsync(
            bytes,
            async () =>
            {
                if (_inner is not null)
                {
                    return await _inner.ConvertAsync(inputPath, outputPath, options, cancellationToken).ConfigureAwait(false);
                }

                await File.WriteAllBytesAsync(outputPath, PdfBytes, cancellationToken).ConfigureAwait(false);
                return new ConversionResult(PdfBytes.Length, TimeSpan.Zero, TimeSpan.Zero);
            },
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<ConversionResult> RunAsync(byte[] input, Func<Task<ConversionResult>> convert, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _started);
        var now = Interlocked.Increment(ref _inProgress);
        try
        {
            if (Capacity is int capacity && now > capacity)
            {
                throw new ConverterBusyException($"Test converter: {capacity} conversions in progress already.");
            }

            Task gate;
            lock (_lock)
            {
                gate = _gate.Task;
            }

            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (FailWhen?.Invoke(input) is { } failure)
            {
                throw failure;
            }

            var result = await convert().ConfigureAwait(false);
            Interlocked.Increment(ref _completed);
            return result;
        }
        finally
        {
            Interlocked.Decrement(ref _inProgress);
        }
    }

    private static TaskCompletionSource Opened()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }
}
