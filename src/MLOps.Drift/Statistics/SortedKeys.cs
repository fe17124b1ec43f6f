using System.Buffers;
using System.Runtime.CompilerServices;

namespace MLOps.Drift.Statistics;

/// <summary>
/// A sorted copy of a sample of doubles, held as order-preserving 64-bit keys in a pooled buffer. Equal doubles
/// (including -0.0 and +0.0) map to equal keys, so ties, ECDF steps and distinct values can be read off the keys
/// directly. Large inputs are sorted with an LSD radix sort (6 passes of 11 bits), small ones with
/// <see cref="MemoryExtensions.Sort{T}(Span{T})"/>.
/// </summary>
/// <remarks>Dispose to return the buffer to <see cref="ArrayPool{T}.Shared"/>. Not thread-safe.</remarks>
internal struct SortedKeys : IDisposable
{
    private const int RadixThreshold = 2048;
    private const int DigitBits = 11;
    private const int Buckets = 1 << DigitBits;
    private const int Passes = 6;
    private const ulong SignBit = 0x8000000000000000UL;

    private ulong[]? _buffer;

    private SortedKeys(ulong[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    public readonly ReadOnlySpan<ulong> Keys => _buffer.AsSpan(0, Length);

    /// <summary>Sorts a copy of <paramref name="values"/>; throws when a value is NaN.</summary>
    public static SortedKeys Create(ReadOnlySpan<double> values, string paramName)
    {
        int n = values.Length;
        ulong[] keys = ArrayPool<ulong>.Shared.Rent(Math.Max(n, 1));
        try
        {
            Span<ulong> k = keys.AsSpan(0, n);
            for (int i = 0; i < n; i++)
            {
                double v = values[i];
                if (double.IsNaN(v))
                {
                    throw new ArgumentException(
                        $"The sample contains NaN at index {i}. Drop or impute missing values first (the column-level API drops NaN and ±inf the way Evidently does).",
                        paramName);
                }

                k[i] = ToKey(v);
            }

            Sort(k);
            return new SortedKeys(keys, n);
        }
        catch
        {
            ArrayPool<ulong>.Shared.Return(keys);
            throw;
        }
    }

    /// <summary>Maps a non-NaN double to a key whose unsigned order is the numeric order (-0.0 becomes +0.0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ToKey(double v)
    {
        ulong bits = (ulong)BitConverter.DoubleToInt64Bits(v + 0.0);
        return (bits & SignBit) == 0 ? bits ^ SignBit : ~bits;
    }

    /// <summary>The inverse of <see cref="ToKey"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double FromKey(ulong key)
    {
        ulong bits = (key & SignBit) != 0 ? key ^ SignBit : ~key;
        return BitConverter.Int64BitsToDouble((long)bits);
    }

    /// <summary>Copies the sorted values as doubles into <paramref name="destination"/>.</summary>
    public readonly void CopyValuesTo(Span<double> destination)
    {
        ReadOnlySpan<ulong> keys = Keys;
        for (int i = 0; i < keys.Length; i++)
        {
            destination[i] = FromKey(keys[i]);
        }
    }

    /// <summary>The number of distinct values.</summary>
    public readonly int CountDistinct()
    {
        ReadOnlySpan<ulong> keys = Keys;
        if (keys.IsEmpty)
        {
            return 0;
        }

        int count = 1;
        for (int i = 1; i < keys.Length; i++)
        {
            if (keys[i] != keys[i - 1])
            {
                count++;
            }
        }

        return count;
    }

    public void Dispose()
    {
        if (_buffer is not null)
        {
            ArrayPool<ulong>.Shared.Return(_buffer);
            _buffer = null;
        }
    }

    /// <summary>Sorts keys ascending.</summary>
    public static void Sort(Span<ulong> keys)
    {
        int n = keys.Length;
        if (n < RadixThreshold)
        {
            keys.Sort();
            return;
        }

        ulong[] scratchArray = ArrayPool<ulong>.Shared.Rent(n);
        int[] counts = ArrayPool<int>.Shared.Rent(Buckets * Passes);
        try
        {
            Span<int> hist = counts.AsSpan(0, Buckets * Passes);
            hist.Clear();
            for (int i = 0; i < n; i++)
            {
                ulong key = keys[i];
                hist[(int)(key & 0x7FF)]++;
                hist[Buckets + (int)((key >> 11) & 0x7FF)]++;
                hist[(2 * Buckets) + (int)((key >> 22) & 0x7FF)]++;
                hist[(3 * Buckets) + (int)((key >> 33) & 0x7FF)]++;
                hist[(4 * Buckets) + (int)((key >> 44) & 0x7FF)]++;
                hist[(5 * Buckets) + (int)(key >> 55)]++;
            }

            Span<ulong> source = keys;
            Span<ulong> target = scratchArray.AsSpan(0, n);
            bool inScratch = false;
            for (int pass = 0; pass < Passes; pass++)
            {
                Span<int> h = hist.Slice(pass * Buckets, Buckets);
                int shift = pass * DigitBits;

                // Skip a pass where every key has the same digit.
                int firstKeyDigit = (int)((source[0] >> shift) & 0x7FF);
                if (h[firstKeyDigit] == n)
                {
                    continue;
                }

                int offset = 0;
                for (int b = 0; b < Buckets; b++)
                {
                    int c = h[b];
                    h[b] = offset;
                    offset += c;
                }

                for (int i = 0; i < n; i++)
                {
                    ulong key = source[i];
                    int digit = (int)((key >> shift) & 0x7FF);
                    target[h[digit]++] = key;
                }

                Span<ulong> swap = source;
                source = target;
                target = swap;
                inScratch = !inScratch;
            }

            if (inScratch)
            {
                source.CopyTo(keys);
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(counts);
            ArrayPool<ulong>.Shared.Return(scratchArray);
        }
    }
}
