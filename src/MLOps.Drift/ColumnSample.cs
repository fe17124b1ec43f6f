using System.Buffers;
using System.Globalization;
using Apache.Arrow;

namespace MLOps.Drift;

/// <summary>
/// One side (reference or current) of a column, cleaned the way Evidently cleans it before a drift test: nulls,
/// NaN and ±∞ are counted and dropped; the remaining values keep their order.
/// </summary>
/// <remarks>
/// Numbers (double, float, integers, booleans as 0/1) are stored as doubles; text as strings. A sample is
/// immutable once created and safe to share across threads. Create one with the static factories or from an
/// Apache Arrow array with <see cref="FromArrow"/>.
/// </remarks>
public sealed class ColumnSample
{
    private readonly double[]? _numbers;
    private readonly string[]? _strings;
    private readonly int _numberCount;

    private ColumnSample(ColumnKind kind, double[]? numbers, string[]? strings, bool isBoolean, long rowCount, long nullCount, long nonFiniteCount)
    {
        Kind = kind;
        _numbers = numbers;
        _numberCount = numbers?.Length ?? 0;
        _strings = strings;
        IsBoolean = isBoolean;
        RowCount = rowCount;
        NullCount = nullCount;
        NonFiniteCount = nonFiniteCount;
    }

    /// <summary>Gets the column kind used to choose the default test.</summary>
    public ColumnKind Kind { get; }

    /// <summary>Gets the number of rows before cleaning.</summary>
    public long RowCount { get; }

    /// <summary>Gets the number of null entries (Arrow nulls, null strings) that were dropped.</summary>
    public long NullCount { get; }

    /// <summary>Gets the number of NaN, +∞ and −∞ values that were dropped (Evidently replaces ±∞ by NaN and drops NaN).</summary>
    public long NonFiniteCount { get; }

    /// <summary>Gets the number of values that take part in the tests.</summary>
    public long ValidCount => RowCount - NullCount - NonFiniteCount;

    /// <summary>Gets the share of rows dropped as null, NaN or ±∞ (0 for an empty column).</summary>
    public double MissingShare => RowCount == 0 ? 0.0 : (NullCount + NonFiniteCount) / (double)RowCount;

    /// <summary>Gets a value indicating whether the values are numbers (as opposed to text).</summary>
    public bool IsNumeric => _numbers is not null;

    /// <summary>Gets a value indicating whether the values came from booleans (stored as 0 and 1).</summary>
    public bool IsBoolean { get; }

    /// <summary>Gets the cleaned numbers; empty for text columns.</summary>
    public ReadOnlySpan<double> Numbers => _numbers.AsSpan(0, _numberCount);

    /// <summary>Gets the cleaned text values; empty for numeric columns.</summary>
    public ReadOnlySpan<string> Strings => _strings;

    /// <summary>
    /// A numerical sample over a buffer rented from <see cref="ArrayPool{T}.Shared"/>, for the span overloads that
    /// own the sample for the duration of one call: no 8-bytes-per-row allocation on every check. The caller
    /// returns the buffer with <see cref="ReturnPooled"/> and must not let the sample escape.
    /// </summary>
    internal static ColumnSample RentNumerical(ReadOnlySpan<double> values)
    {
        double[] buffer = ArrayPool<double>.Shared.Rent(Math.Max(1, values.Length));
        int n = 0;
        foreach (double v in values)
        {
            if (double.IsFinite(v))
            {
                buffer[n++] = v;
            }
        }

        return new ColumnSample(buffer, n, values.Length);
    }

    private ColumnSample(double[] pooled, int count, long rowCount)
    {
        Kind = ColumnKind.Numerical;
        _numbers = pooled;
        _numberCount = count;
        RowCount = rowCount;
        NonFiniteCount = rowCount - count;
        _pooled = true;
    }

    private readonly bool _pooled;

    internal void ReturnPooled()
    {
        if (_pooled && _numbers is not null)
        {
            ArrayPool<double>.Shared.Return(_numbers);
        }
    }

    /// <summary>Creates a numerical sample; NaN and ±∞ are dropped and counted.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The sample.</returns>
    public static ColumnSample Numerical(ReadOnlySpan<double> values) => FromDoubles(values, ColumnKind.Numerical);

    /// <summary>Creates a numerical sample from single-precision values (widened exactly); NaN and ±∞ are dropped.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The sample.</returns>
    public static ColumnSample Numerical(ReadOnlySpan<float> values)
    {
        double[] buffer = new double[values.Length];
        int n = 0;
        long nonFinite = 0;
        foreach (float v in values)
        {
            if (float.IsFinite(v))
            {
                buffer[n++] = v;
            }
            else
            {
                nonFinite++;
            }
        }

        return new ColumnSample(ColumnKind.Numerical, Trim(buffer, n), null, false, values.Length, 0, nonFinite);
    }

    /// <summary>Creates a numerical sample from integers.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The sample.</returns>
    public static ColumnSample Numerical(ReadOnlySpan<int> values) => FromInts(values, ColumnKind.Numerical);

    /// <summary>Creates a numerical sample from 64-bit integers (values beyond ±2^53 round to the nearest double).</summary>
    /// <param name="values">The values.</param>
    /// <returns>The sample.</returns>
    public static ColumnSample Numerical(ReadOnlySpan<long> values) => FromLongs(values, ColumnKind.Numerical);

    /// <summary>Creates a categorical sample from numeric codes (categories compare by value and sort numerically); NaN and ±∞ are dropped.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The sample.</returns>
    public static ColumnSample Categorical(ReadOnlySpan<double> values) => FromDoubles(values, ColumnKind.Categorical);

    /// <summary>Creates a categorical sample from integer codes.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The sample.</returns>
    public static ColumnSample Categorical(ReadOnlySpan<int> values) => FromInts(values, ColumnKind.Categorical);

    /// <summary>Creates a categorical sample from 64-bit integer codes.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The sample.</returns>
    public static ColumnSample Categorical(ReadOnlySpan<long> values) => FromLongs(values, ColumnKind.Categorical);

    /// <summary>Creates a categorical sample from booleans (false sorts before true).</summary>
    /// <param name="values">The values.</param>
    /// <returns>The sample.</returns>
    public static ColumnSample Categorical(ReadOnlySpan<bool> values)
    {
        double[] buffer = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            buffer[i] = values[i] ? 1.0 : 0.0;
        }

        return new ColumnSample(ColumnKind.Categorical, buffer, null, true, values.Length, 0, 0);
    }

    /// <summary>Creates a categorical sample from text; null entries are dropped and counted. Categories compare ordinally.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The sample.</returns>
    public static ColumnSample Categorical(ReadOnlySpan<string?> values)
    {
        string[] buffer = new string[values.Length];
        int n = 0;
        long nulls = 0;
        foreach (string? v in values)
        {
            if (v is null)
            {
                nulls++;
            }
            else
            {
                buffer[n++] = v;
            }
        }

        return new ColumnSample(ColumnKind.Categorical, null, Trim(buffer, n), false, values.Length, nulls, 0);
    }

    /// <summary>
    /// Creates a sample from an Apache Arrow array. Nulls are counted and dropped. Floating-point, integer and
    /// decimal-free numeric types give numbers; booleans give 0/1 categories; strings and dictionary-encoded
    /// strings give text categories.
    /// </summary>
    /// <param name="array">The array.</param>
    /// <param name="kind">The column kind; by default numerical for floating-point and integer arrays, categorical otherwise.</param>
    /// <returns>The sample.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="array"/> is null.</exception>
    /// <exception cref="DriftException">The Arrow type is not supported, or text was declared numerical.</exception>
    public static ColumnSample FromArrow(IArrowArray array, ColumnKind? kind = null)
    {
        ArgumentNullException.ThrowIfNull(array);
        switch (array)
        {
            case DoubleArray a:
                return FromPrimitive(a, kind ?? ColumnKind.Numerical);
            case FloatArray a:
                return FromPrimitive(a, kind ?? ColumnKind.Numerical);
            case HalfFloatArray a:
                return FromPrimitive(a, kind ?? ColumnKind.Numerical);
            case Int8Array a:
                return FromPrimitive(a, kind ?? ColumnKind.Numerical);
            case Int16Array a:
                return FromPrimitive(a, kind ?? ColumnKind.Numerical);
            case Int32Array a:
                return FromPrimitive(a, kind ?? ColumnKind.Numerical);
            case Int64Array a:
                return FromPrimitive(a, kind ?? ColumnKind.Numerical);
            case UInt8Array a:
                return FromPrimitive(a, kind ?? ColumnKind.Numerical);
            case UInt16Array a:
                return FromPrimitive(a, kind ?? ColumnKind.Numerical);
            case UInt32Array a:
                return FromPrimitive(a, kind ?? ColumnKind.Numerical);
            case UInt64Array a:
                return FromPrimitive(a, kind ?? ColumnKind.Numerical);
            case BooleanArray a:
                {
                    double[] buffer = new double[a.Length];
                    int n = 0;
                    for (int i = 0; i < a.Length; i++)
                    {
                        bool? v = a.GetValue(i);
                        if (v.HasValue)
                        {
                            buffer[n++] = v.Value ? 1.0 : 0.0;
                        }
                    }

                    return new ColumnSample(kind ?? ColumnKind.Categorical, Trim(buffer, n), null, true, a.Length, a.Length - n, 0);
                }

            case StringArray a:
                {
                    RequireCategorical(kind, "string");
                    string[] buffer = new string[a.Length];
                    int n = 0;
                    for (int i = 0; i < a.Length; i++)
                    {
                        if (!a.IsNull(i))
                        {
                            buffer[n++] = a.GetString(i);
                        }
                    }

                    return new ColumnSample(ColumnKind.Categorical, null, Trim(buffer, n), false, a.Length, a.Length - n, 0);
                }

            case DictionaryArray a:
                {
                    RequireCategorical(kind, "dictionary");
                    ColumnSample dictionary = FromArrow(a.Dictionary, ColumnKind.Categorical);
                    if (dictionary.NullCount > 0 || dictionary.NonFiniteCount > 0)
                    {
                        throw new DriftException("Dictionary arrays whose dictionary holds nulls are not supported; put the nulls in the indices instead.");
                    }

                    ColumnSample indices = FromArrow(a.Indices, ColumnKind.Categorical);
                    ReadOnlySpan<double> codes = indices.Numbers;
                    if (dictionary._strings is not null)
                    {
                        string[] values = new string[codes.Length];
                        for (int i = 0; i < codes.Length; i++)
                        {
                            values[i] = dictionary._strings[(int)codes[i]];
                        }

                        return new ColumnSample(ColumnKind.Categorical, null, values, false, a.Length, indices.NullCount, 0);
                    }

                    double[] numbers = new double[codes.Length];
                    for (int i = 0; i < codes.Length; i++)
                    {
                        numbers[i] = dictionary._numbers![(int)codes[i]];
                    }

                    return new ColumnSample(ColumnKind.Categorical, numbers, null, dictionary.IsBoolean, a.Length, indices.NullCount, 0);
                }

            default:
                throw new DriftException(
                    $"Arrow type {array.Data.DataType.Name} is not supported for drift tests; convert the column to a floating-point, integer, boolean or string array.");
        }
    }

    private static void RequireCategorical(ColumnKind? kind, string what)
    {
        if (kind == ColumnKind.Numerical)
        {
            throw new DriftException($"A {what} Arrow array cannot be tested as a numerical column; declare it categorical.");
        }
    }

    private static ColumnSample FromPrimitive<T>(PrimitiveArray<T> array, ColumnKind kind)
        where T : struct, IEquatable<T>, System.Numerics.INumberBase<T>
    {
        ReadOnlySpan<T> values = array.Values;
        double[] buffer = new double[array.Length];
        int n = 0;
        long nonFinite = 0;
        bool hasNulls = array.NullCount > 0;
        for (int i = 0; i < values.Length; i++)
        {
            if (hasNulls && array.IsNull(i))
            {
                continue;
            }

            double v = double.CreateTruncating(values[i]);
            if (double.IsFinite(v))
            {
                buffer[n++] = v;
            }
            else
            {
                nonFinite++;
            }
        }

        return new ColumnSample(kind, Trim(buffer, n), null, false, array.Length, array.NullCount, nonFinite);
    }

    private static ColumnSample FromDoubles(ReadOnlySpan<double> values, ColumnKind kind)
    {
        double[] buffer = new double[values.Length];
        int n = 0;
        long nonFinite = 0;
        foreach (double v in values)
        {
            if (double.IsFinite(v))
            {
                buffer[n++] = v;
            }
            else
            {
                nonFinite++;
            }
        }

        return new ColumnSample(kind, Trim(buffer, n), null, false, values.Length, 0, nonFinite);
    }

    private static ColumnSample FromInts(ReadOnlySpan<int> values, ColumnKind kind)
    {
        double[] buffer = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            buffer[i] = values[i];
        }

        return new ColumnSample(kind, buffer, null, false, values.Length, 0, 0);
    }

    private static ColumnSample FromLongs(ReadOnlySpan<long> values, ColumnKind kind)
    {
        double[] buffer = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            buffer[i] = values[i];
        }

        return new ColumnSample(kind, buffer, null, false, values.Length, 0, 0);
    }

    private static T[] Trim<T>(T[] buffer, int length)
    {
        if (length == buffer.Length)
        {
            return buffer;
        }

        System.Array.Resize(ref buffer, length);
        return buffer;
    }

    /// <summary>Formats a category of this sample for display (numbers in invariant culture, booleans as False/True).</summary>
    internal string FormatNumber(double value) =>
        IsBoolean ? (value != 0 ? "True" : "False") : value.ToString("R", CultureInfo.InvariantCulture);
}
