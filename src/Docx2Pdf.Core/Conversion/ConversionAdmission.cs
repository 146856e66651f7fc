using Microsoft.Extensions.Options;

namespace Docx2Pdf.Conversion;

/// <summary>
/// Admission to conversion work, taken before the first byte of a document is received or downloaded and held until
/// the conversion ends: as many places as the converter has instances plus wait-queue places
/// (<see cref="LibreOfficeOptions.PoolSize"/> + <see cref="LibreOfficeOptions.QueueLength"/>). When every place is
/// taken the caller is turned away at once (<see cref="FailureKind.ConverterBusy"/>), so a burst costs neither memory
/// nor temporary disk (which is memory on Cloud Run) before it is refused. The endpoint and the pipeline share it.
/// </summary>
internal sealed class ConversionAdmission
{
    private readonly int _poolSize;
    private readonly int _queueLength;
    private int _taken;

    public ConversionAdmission(IOptions<LibreOfficeOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _poolSize = options.Value.PoolSize;
        _queueLength = options.Value.QueueLength;
        Capacity = Math.Max(1, _poolSize + _queueLength);
    }

    /// <summary>How many places there are.</summary>
    public int Capacity { get; }

    /// <summary>How many places are taken now.</summary>
    public int Taken => Volatile.Read(ref _taken);

    /// <summary>Takes a place, or returns <see langword="null"/> at once when all are taken. Dispose the place to give it back.</summary>
    public IDisposable? TryEnter()
    {
        var taken = Volatile.Read(ref _taken);
        while (taken < Capacity)
        {
            var seen = Interlocked.CompareExchange(ref _taken, taken + 1, taken);
            if (seen == taken)
            {
                return new Place(this);
            }

            taken = seen;
        }

        return null;
    }

    /// <summary>What a caller turned away is told.</summary>
    public string BusyDetail =>
        $"Every LibreOffice instance is busy and every wait place is taken ({LibreOfficeOptions.SectionName}:PoolSize {_poolSize} + " +
        $"{LibreOfficeOptions.SectionName}:QueueLength {_queueLength}); nothing was received or downloaded. Retry later.";

    private sealed class Place(ConversionAdmission owner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Interlocked.Decrement(ref owner._taken);
            }
        }
    }
}
