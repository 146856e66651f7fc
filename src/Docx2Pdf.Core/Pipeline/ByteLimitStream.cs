namespace Docx2Pdf.Pipeline;

/// <summary>
/// The download's destination with a ceiling: bytes are counted as the store writes them, and the write that would pass
/// <c>MaxDocumentBytes</c> fails with <see cref="FailureKind.DocumentTooLarge"/>, which ends the download whatever the
/// object's metadata said (a store, a server or a transcoding that delivers more than announced).
/// </summary>
internal sealed class ByteLimitStream(Stream inner, long maxBytes) : Stream
{
    private long _written;

    public override bool CanRead => false;

    public override bool CanSeek => inner.CanSeek;

    public override bool CanWrite => true;

    public override long Length => inner.Length;

    // A store that retries a download rewinds the destination; the count follows the position.
    public override long Position
    {
        get => inner.Position;
        set
        {
            inner.Position = value;
            _written = value;
        }
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin)
    {
        var position = inner.Seek(offset, origin);
        _written = position;
        return position;
    }

    public override void SetLength(long value)
    {
        inner.SetLength(value);
        _written = Math.Min(_written, value);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Count(buffer.Length);
        inner.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Count(buffer.Length);
        return inner.WriteAsync(buffer, cancellationToken);
    }

    private void Count(int length)
    {
        if (_written + length > maxBytes)
        {
            throw new DocumentRejectedException(FailureKind.DocumentTooLarge, $"The object holds more than Docx2Pdf:MaxDocumentBytes ({maxBytes} bytes), more than its metadata said; the download was stopped there.");
        }

        _written += length;
    }
}
