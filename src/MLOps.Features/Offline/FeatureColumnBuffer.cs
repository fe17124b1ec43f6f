using Apache.Arrow;
using Array = System.Array;

namespace MLOps.Features.Offline;

/// <summary>Accumulates one feature's candidate values and gathers them into an Arrow array.</summary>
internal abstract class FeatureColumnBuffer
{
    public static FeatureColumnBuffer Create(FeatureValueType type) => type switch
    {
        FeatureValueType.Int32 => new StructBuffer<int>(static (b, v) => ((Int32Array.Builder)b).Append(v), static () => new Int32Array.Builder(), static b => ((Int32Array.Builder)b).AppendNull(), static b => ((Int32Array.Builder)b).Build()),
        FeatureValueType.Int64 => new StructBuffer<long>(static (b, v) => ((Int64Array.Builder)b).Append(v), static () => new Int64Array.Builder(), static b => ((Int64Array.Builder)b).AppendNull(), static b => ((Int64Array.Builder)b).Build()),
        FeatureValueType.Float32 => new StructBuffer<float>(static (b, v) => ((FloatArray.Builder)b).Append(v), static () => new FloatArray.Builder(), static b => ((FloatArray.Builder)b).AppendNull(), static b => ((FloatArray.Builder)b).Build()),
        FeatureValueType.Float64 => new StructBuffer<double>(static (b, v) => ((DoubleArray.Builder)b).Append(v), static () => new DoubleArray.Builder(), static b => ((DoubleArray.Builder)b).AppendNull(), static b => ((DoubleArray.Builder)b).Build()),
        FeatureValueType.Bool => new StructBuffer<bool>(static (b, v) => ((BooleanArray.Builder)b).Append(v), static () => new BooleanArray.Builder(), static b => ((BooleanArray.Builder)b).AppendNull(), static b => ((BooleanArray.Builder)b).Build()),
        _ => new StringBuffer(),
    };

    public abstract void Append(Array source, int index);

    /// <summary>Appends <c>source[rows[0..count)]</c>.</summary>
    public abstract void AppendRows(Array source, int[] rows, int count);

    public abstract object? GetBoxed(int row);

    /// <summary>Builds an array with one value per entry of <paramref name="rows"/>; -1 gives null.</summary>
    public abstract IArrowArray Gather(int[] rows);

    /// <summary>Values as a plain <c>T[]</c>; a null mask is allocated only once a null arrives.</summary>
    private sealed class StructBuffer<T>(Action<object, T> append, Func<object> create, Action<object> appendNull, Func<object, IArrowArray> build) : FeatureColumnBuffer
        where T : struct
    {
        private T[] _values = new T[1024];
        private bool[]? _nulls;
        private int _count;

        private void Ensure(int extra)
        {
            if (_count + extra > _values.Length)
            {
                var size = Math.Max(_values.Length * 2, _count + extra);
                Array.Resize(ref _values, size);
                if (_nulls is not null)
                {
                    Array.Resize(ref _nulls, size);
                }
            }
        }

        private void SetNull(int at)
        {
            _nulls ??= new bool[_values.Length];
            _nulls[at] = true;
        }

        public override void Append(Array source, int index)
        {
            Ensure(1);
            if (source is T[] plain)
            {
                _values[_count] = plain[index];
            }
            else if (((T?[])source)[index] is { } v)
            {
                _values[_count] = v;
            }
            else
            {
                SetNull(_count);
            }

            _count++;
        }

        public override void AppendRows(Array source, int[] rows, int count)
        {
            Ensure(count);
            if (source is T[] plain)
            {
                for (var i = 0; i < count; i++)
                {
                    _values[_count + i] = plain[rows[i]];
                }
            }
            else
            {
                var nullable = (T?[])source;
                for (var i = 0; i < count; i++)
                {
                    if (nullable[rows[i]] is { } v)
                    {
                        _values[_count + i] = v;
                    }
                    else
                    {
                        SetNull(_count + i);
                    }
                }
            }

            _count += count;
        }

        private bool IsNull(int row) => _nulls is not null && _nulls[row];

        public override object? GetBoxed(int row) => row < 0 || IsNull(row) ? null : _values[row];

        public override IArrowArray Gather(int[] rows)
        {
            var b = create();
            foreach (var r in rows)
            {
                if (r >= 0 && !IsNull(r))
                {
                    append(b, _values[r]);
                }
                else
                {
                    appendNull(b);
                }
            }

            return build(b);
        }
    }

    private sealed class StringBuffer : FeatureColumnBuffer
    {
        private readonly List<string?> _values = [];

        public override void Append(Array source, int index) => _values.Add(((string?[])source)[index]);

        public override void AppendRows(Array source, int[] rows, int count)
        {
            var strings = (string?[])source;
            for (var i = 0; i < count; i++)
            {
                _values.Add(strings[rows[i]]);
            }
        }

        public override object? GetBoxed(int row) => row < 0 ? null : _values[row];

        public override IArrowArray Gather(int[] rows)
        {
            var b = new StringArray.Builder();
            foreach (var r in rows)
            {
                if (r >= 0 && _values[r] is { } v)
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
