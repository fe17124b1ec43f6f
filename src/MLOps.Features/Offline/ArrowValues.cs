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
                        if (v is null) { b.AppendNull(); } else { b.Append((int)FeatureValues.Coerce(v, type)!); }
                    }

                    return b.Build();
                }

            case FeatureValueType.Int64:
                {
                    var b = new Int64Array.Builder().Reserve(values.Count);
                    foreach (var v in values)
                    {
                        if (v is null) { b.AppendNull(); } else { b.Append((long)FeatureValues.Coerce(v, type)!); }
                    }

                    return b.Build();
                }

            case FeatureValueType.Float32:
                {
                    var b = new FloatArray.Builder().Reserve(values.Count);
                    foreach (var v in values)
                    {
                        if (v is null) { b.AppendNull(); } else { b.Append((float)FeatureValues.Coerce(v, type)!); }
                    }

                    return b.Build();
                }

            case FeatureValueType.Float64:
                {
                    var b = new DoubleArray.Builder().Reserve(values.Count);
                    foreach (var v in values)
                    {
                        if (v is null) { b.AppendNull(); } else { b.Append((double)FeatureValues.Coerce(v, type)!); }
                    }

                    return b.Build();
                }

            case FeatureValueType.Bool:
                {
                    var b = new BooleanArray.Builder().Reserve(values.Count);
                    foreach (var v in values)
                    {
                        if (v is null) { b.AppendNull(); } else { b.Append((bool)FeatureValues.Coerce(v, type)!); }
                    }

                    return b.Build();
                }

            default:
                {
                    var b = new StringArray.Builder().Reserve(values.Count);
                    foreach (var v in values)
                    {
                        if (v is null) { b.AppendNull(); } else { b.Append((string)FeatureValues.Coerce(v, type)!); }
                    }

                    return b.Build();
                }
        }
    }
}
