using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Apache.Arrow;

namespace MLOps.Features.Offline;

/// <summary>
/// The requested features' values per join slot (one slot per entity row, in the join's sorted order), stored row by
/// row: a slot's null bits and fixed-width values share one cache line or two, so replacing a slot's candidate touches
/// little memory. Strings live in a parallel array. Overwritten whenever a newer candidate arrives, then gathered
/// column by column into Arrow arrays in the entity rows' order. Not thread-safe; the join serialises writers.
/// </summary>
internal sealed class SlotStore
{
    private readonly FeatureValueType[] _types;
    private readonly int[] _offset;
    private readonly int _width;
    private readonly int _nullBytes;
    private readonly byte[] _rows;
    private readonly string?[] _strings;
    private readonly int _stringCount;
    private readonly int _slots;

    public SlotStore(IReadOnlyList<FeatureValueType> types, int slots)
    {
        _types = [.. types];
        _slots = slots;
        _nullBytes = (_types.Length + 7) / 8;
        _offset = new int[_types.Length];
        var width = _nullBytes;
        for (var f = 0; f < _types.Length; f++)
        {
            switch (_types[f])
            {
                case FeatureValueType.Int64:
                case FeatureValueType.Float64:
                    _offset[f] = width;
                    width += 8;
                    break;
                case FeatureValueType.Int32:
                case FeatureValueType.Float32:
                    _offset[f] = width;
                    width += 4;
                    break;
                case FeatureValueType.Bool:
                    _offset[f] = width;
                    width += 1;
                    break;
                default:
                    _offset[f] = _stringCount++;
                    break;
            }
        }

        _width = width;
        _rows = new byte[checked((long)slots * width)];
        _strings = new string?[checked((long)slots * _stringCount)];
    }

    public long Bytes => _rows.LongLength + (_strings.LongLength * IntPtr.Size);

    /// <summary>
    /// Whether every feature is a 4-byte float: then <see cref="SetFloats"/> copies a row group's values without
    /// per-value type dispatch (the benchmark's and a common shape).
    /// </summary>
    public bool AllFloat32 => _stringCount == 0 && System.Array.TrueForAll(_types, static t => t == FeatureValueType.Float32);

    /// <summary>Copies row <paramref name="row"/> of float columns without nulls into a slot (see <see cref="AllFloat32"/>).</summary>
    public void SetFloats(int slot, float[][] source, int row)
    {
        var line = _rows.AsSpan(slot * _width, _width);
        line[.._nullBytes].Clear();
        var values = MemoryMarshal.Cast<byte, float>(line[_nullBytes..]);
        for (var f = 0; f < source.Length; f++)
        {
            values[f] = source[f][row];
        }
    }

    /// <summary>Copies row <paramref name="row"/> of <paramref name="source"/> (the requested features, in order) into a slot.</summary>
    public void Set(int slot, ColumnValues[] source, int row)
    {
        var line = _rows.AsSpan(slot * _width, _width);
        line[.._nullBytes].Clear();
        ref var start = ref MemoryMarshal.GetReference(line);
        for (var f = 0; f < _types.Length; f++)
        {
            var column = source[f];
            var isNull = column.IsNull(row);
            if (isNull)
            {
                line[f >> 3] |= (byte)(1 << (f & 7));
            }

            var at = _offset[f];
            switch (_types[f])
            {
                case FeatureValueType.Float32:
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref start, at), isNull ? 0f : ((float[])column.Values)[row]);
                    break;
                case FeatureValueType.Float64:
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref start, at), isNull ? 0d : ((double[])column.Values)[row]);
                    break;
                case FeatureValueType.Int32:
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref start, at), isNull ? 0 : ((int[])column.Values)[row]);
                    break;
                case FeatureValueType.Int64:
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref start, at), isNull ? 0L : ((long[])column.Values)[row]);
                    break;
                case FeatureValueType.Bool:
                    line[at] = (byte)(!isNull && ((bool[])column.Values)[row] ? 1 : 0);
                    break;
                default:
                    _strings[((long)slot * _stringCount) + at] = isNull ? null : ((string?[])column.Values)[row];
                    break;
            }
        }
    }

    /// <summary>Gets one feature of a slot, boxed; <see langword="null"/> for a null value or slot -1.</summary>
    public object? GetBoxed(int feature, int slot)
    {
        if (slot < 0 || IsNull(feature, slot))
        {
            return null;
        }

        var line = _rows.AsSpan(slot * _width, _width);
        var at = _offset[feature];
        return _types[feature] switch
        {
            FeatureValueType.Float32 => MemoryMarshal.Read<float>(line[at..]),
            FeatureValueType.Float64 => MemoryMarshal.Read<double>(line[at..]),
            FeatureValueType.Int32 => MemoryMarshal.Read<int>(line[at..]),
            FeatureValueType.Int64 => MemoryMarshal.Read<long>(line[at..]),
            FeatureValueType.Bool => line[at] != 0,
            _ => _strings[((long)slot * _stringCount) + at],
        };
    }

    private bool IsNull(int feature, int slot) => (_rows[(slot * _width) + (feature >> 3)] & (1 << (feature & 7))) != 0;

    private IArrowArray[]? _gathered;
    private int[]? _gatheredFor;

    /// <summary>
    /// Builds one feature's Arrow array with one value per entry of <paramref name="slots"/>; -1 gives null. The fixed-width
    /// features are gathered together, in one pass over the slots (each slot's row is read once), and cached.
    /// </summary>
    public IArrowArray Gather(int feature, int[] slots)
    {
        if (_types[feature] is FeatureValueType.String or FeatureValueType.Bool)
        {
            return GatherOne(feature, slots);
        }

        if (!ReferenceEquals(_gatheredFor, slots))
        {
            _gathered = GatherFixedAll(slots);
            _gatheredFor = slots;
        }

        return _gathered![feature];
    }

    private IArrowArray[] GatherFixedAll(int[] slots)
    {
        var n = slots.Length;
        var result = new IArrowArray[_types.Length];
        var outputs = new byte[_types.Length][];
        var bits = new byte[_types.Length][];
        var nullCounts = new int[_types.Length];
        var widths = new int[_types.Length];
        for (var f = 0; f < _types.Length; f++)
        {
            widths[f] = _types[f] switch
            {
                FeatureValueType.Int64 or FeatureValueType.Float64 => 8,
                FeatureValueType.Int32 or FeatureValueType.Float32 => 4,
                _ => 0,
            };
            if (widths[f] > 0)
            {
                outputs[f] = new byte[n * widths[f]];
                bits[f] = new byte[(n + 7) / 8];
            }
        }

        // Chunks of whole validity bytes, gathered in parallel: each writes its own output range.
        const int Chunk = 1 << 16;
        Parallel.For(0, (n + Chunk - 1) / Chunk, c =>
        {
            var from = c * Chunk;
            var to = Math.Min(n, from + Chunk);
            var localNulls = new int[widths.Length];
            ref var rows = ref MemoryMarshal.GetArrayDataReference(_rows);
            for (var i = from; i < to; i++)
            {
                var s = slots[i];
                var line = s >= 0 ? s * _width : -1;
                for (var f = 0; f < widths.Length; f++)
                {
                    var w = widths[f];
                    if (w == 0)
                    {
                        continue;
                    }

                    if (line < 0 || (Unsafe.Add(ref rows, line + (f >> 3)) & (1 << (f & 7))) != 0)
                    {
                        localNulls[f]++;
                        continue;
                    }

                    bits[f][i >> 3] |= (byte)(1 << (i & 7));
                    ref var src = ref Unsafe.Add(ref rows, line + _offset[f]);
                    if (w == 4)
                    {
                        Unsafe.WriteUnaligned(ref outputs[f][i * 4], Unsafe.ReadUnaligned<int>(ref src));
                    }
                    else
                    {
                        Unsafe.WriteUnaligned(ref outputs[f][i * 8], Unsafe.ReadUnaligned<long>(ref src));
                    }
                }
            }

            for (var f = 0; f < widths.Length; f++)
            {
                Interlocked.Add(ref nullCounts[f], localNulls[f]);
            }
        });

        for (var f = 0; f < widths.Length; f++)
        {
            if (widths[f] == 0)
            {
                continue;
            }

            Apache.Arrow.Types.IArrowType type = _types[f] switch
            {
                FeatureValueType.Float32 => Apache.Arrow.Types.FloatType.Default,
                FeatureValueType.Float64 => Apache.Arrow.Types.DoubleType.Default,
                FeatureValueType.Int32 => Apache.Arrow.Types.Int32Type.Default,
                _ => Apache.Arrow.Types.Int64Type.Default,
            };
            var data = new ArrayData(type, n, nullCounts[f], 0, [nullCounts[f] == 0 ? ArrowBuffer.Empty : new ArrowBuffer(bits[f]), new ArrowBuffer(outputs[f])]);
            result[f] = ArrowArrayFactory.BuildArray(data);
        }

        return result;
    }

    private IArrowArray GatherOne(int feature, int[] slots)
    {
        var at = _offset[feature];
        switch (_types[feature])
        {
            case FeatureValueType.Bool:
            {
                var b = new BooleanArray.Builder().Reserve(slots.Length);
                foreach (var s in slots)
                {
                    if (s >= 0 && !IsNull(feature, s))
                    {
                        b.Append(_rows[(s * _width) + at] != 0);
                    }
                    else
                    {
                        b.AppendNull();
                    }
                }

                return b.Build();
            }

            default:
            {
                var b = new StringArray.Builder();
                foreach (var s in slots)
                {
                    if (s >= 0 && _strings[((long)s * _stringCount) + at] is { } v)
                    {
                        b.Append(v);
                    }
                    else
                    {
                        b.AppendNull();
                    }
                }

                return b.Build();
            }
        }
    }

    /// <summary>Gets the number of slots.</summary>
    public int Slots => _slots;
}

/// <summary>One feature of a <see cref="SlotStore"/>.</summary>
/// <param name="Store">The store.</param>
/// <param name="Feature">The feature's index in the store.</param>
internal sealed record FeatureColumnBuffer(SlotStore Store, int Feature)
{
    public object? GetBoxed(int slot) => Store.GetBoxed(Feature, slot);

    public IArrowArray Gather(int[] slots) => Store.Gather(Feature, slots);
}
