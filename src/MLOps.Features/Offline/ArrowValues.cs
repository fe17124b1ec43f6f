using System.Globalization;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace MLOps.Features.Offline;

/// <summary>Helpers between Arrow arrays and the feature store's value types.</summary>
internal static class ArrowValues
{
    public static IArrowType ArrowType(FeatureValueType type) => type switch
    {
        FeatureValueType.Int32 => Int32Type.Default,
        FeatureValueType.Int64 => Int64Type.Default,
        FeatureValueType.Float32 => FloatType.Default,
        FeatureValueType.Float64 => DoubleType.Default,
        FeatureValueType.Bool => BooleanType.Default,
        _ => StringType.Default,
    };

    /// <summary>Finds a column by name, or <see langword="null"/> (Arrow's own lookup throws on a missing name).</summary>
    public static IArrowArray? Find(RecordBatch batch, string name)
    {
        var i = batch.Schema.GetFieldIndex(name);
        return i < 0 ? null : batch.Column(i);
    }

    /// <summary>Reads one value of an Arrow array as a boxed CLR value (null when null).</summary>
    public static object? Get(IArrowArray array, int i)
    {
        if (array.IsNull(i))
        {
            return null;
        }

        return array switch
        {
            Int64Array a => a.GetValue(i),
            Int32Array a => a.GetValue(i),
            FloatArray a => a.GetValue(i),
            DoubleArray a => a.GetValue(i),
            BooleanArray a => a.GetValue(i),
            StringArray a => a.GetString(i),
            TimestampArray a => a.GetTimestamp(i),
            _ => throw new FeatureStoreException($"Arrow type {array.Data.DataType.Name} is not supported in entity rows; use int32, int64, float, double, bool, string or timestamp."),
        };
    }

    /// <summary>Converts a boxed value to <paramref name="type"/>'s CLR type (numbers widen or narrow invariantly).</summary>
    public static object? Coerce(object? value, FeatureValueType type)
    {
        if (value is null)
        {
            return null;
        }

        return type switch
        {
            FeatureValueType.Int32 => Convert.ToInt32(value, CultureInfo.InvariantCulture),
            FeatureValueType.Int64 => Convert.ToInt64(value, CultureInfo.InvariantCulture),
            FeatureValueType.Float32 => Convert.ToSingle(value, CultureInfo.InvariantCulture),
            FeatureValueType.Float64 => Convert.ToDouble(value, CultureInfo.InvariantCulture),
            FeatureValueType.Bool => Convert.ToBoolean(value, CultureInfo.InvariantCulture),
            _ => Convert.ToString(value, CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Builds an Arrow array of <paramref name="type"/> from boxed values.</summary>
    public static IArrowArray Build(FeatureValueType type, IReadOnlyList<object?> values)
    {
        switch (type)
        {
            case FeatureValueType.Int32:
                {
                    var b = new Int32Array.Builder().Reserve(values.Count);
                    foreach (var v in values)
                    {
                        if (v is null) { b.AppendNull(); } else { b.Append((int)Coerce(v, type)!); }
                    }

                    return b.Build();
                }

            case FeatureValueType.Int64:
                {
                    var b = new Int64Array.Builder().Reserve(values.Count);
                    foreach (var v in values)
                    {
                        if (v is null) { b.AppendNull(); } else { b.Append((long)Coerce(v, type)!); }
                    }

                    return b.Build();
                }

            case FeatureValueType.Float32:
                {
                    var b = new FloatArray.Builder().Reserve(values.Count);
                    foreach (var v in values)
                    {
                        if (v is null) { b.AppendNull(); } else { b.Append((float)Coerce(v, type)!); }
                    }

                    return b.Build();
                }

            case FeatureValueType.Float64:
                {
                    var b = new DoubleArray.Builder().Reserve(values.Count);
                    foreach (var v in values)
                    {
                        if (v is null) { b.AppendNull(); } else { b.Append((double)Coerce(v, type)!); }
                    }

                    return b.Build();
                }

            case FeatureValueType.Bool:
                {
                    var b = new BooleanArray.Builder().Reserve(values.Count);
                    foreach (var v in values)
                    {
                        if (v is null) { b.AppendNull(); } else { b.Append((bool)Coerce(v, type)!); }
                    }

                    return b.Build();
                }

            default:
                {
                    var b = new StringArray.Builder().Reserve(values.Count);
                    foreach (var v in values)
                    {
                        if (v is null) { b.AppendNull(); } else { b.Append((string)Coerce(v, type)!); }
                    }

                    return b.Build();
                }
        }
    }
}
