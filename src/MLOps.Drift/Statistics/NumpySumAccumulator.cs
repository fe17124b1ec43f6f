using System.Buffers;

namespace MLOps.Drift.Statistics;

/// <summary>
/// Streams values into <see cref="NumericHelpers.NumpySum"/>'s exact evaluation order (8192-item chunks, each summed
/// pairwise) without materialising the whole array: the same bits as <c>np.sum</c> of the concatenated values.
/// </summary>
/// <remarks>Rents one 64 KiB buffer; call <see cref="Dispose"/> to return it. Not thread-safe.</remarks>
internal struct NumpySumAccumulator : IDisposable
{
    private const int Chunk = 8192;
    private double[]? _buffer;
    private int _count;
    private double _total;

    public static NumpySumAccumulator Create() => new() { _buffer = ArrayPool<double>.Shared.Rent(Chunk) };

    public void Add(double value)
    {
        _buffer![_count++] = value;
        if (_count == Chunk)
        {
            _total += NumericHelpers.PairwiseSum(_buffer.AsSpan(0, Chunk));
            _count = 0;
        }
    }

    public readonly double Total =>
        _count == 0 ? _total : _total + NumericHelpers.PairwiseSum(_buffer.AsSpan(0, _count));

    public void Dispose()
    {
        if (_buffer is not null)
        {
            ArrayPool<double>.Shared.Return(_buffer);
            _buffer = null;
        }
    }
}
