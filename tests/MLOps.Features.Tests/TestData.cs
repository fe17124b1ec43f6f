using Apache.Arrow;
using Apache.Arrow.Types;
using Parquet;
using Parquet.Schema;

namespace MLOps.Features.Tests;

/// <summary>Writes Parquet files column by column and builds Arrow entity rows for the tests.</summary>
internal static class TestData
{
    public static readonly DateTime Origin = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static DataField Ts(string name) => new DateTimeDataField(name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros);

    /// <summary>Writes <paramref name="columns"/> (arrays of equal length) in row groups of <paramref name="rowGroupSize"/>.</summary>
    public static async Task WriteAsync(string path, IReadOnlyList<(DataField Field, System.Array Values)> columns, int rowGroupSize)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var n = columns[0].Values.Length;
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(columns.Select(static c => c.Field).ToArray()), stream);
        for (var start = 0; start < n; start += rowGroupSize)
        {
            var count = Math.Min(rowGroupSize, n - start);
            using var rg = writer.CreateRowGroup();
            foreach (var (field, values) in columns)
            {
                switch (values)
                {
                    case long[] a: await rg.WriteAsync<long>(field, a.AsMemory(start, count)); break;
                    case long?[] a: await rg.WriteAsync<long>(field, a.AsMemory(start, count)); break;
                    case int[] a: await rg.WriteAsync<int>(field, a.AsMemory(start, count)); break;
                    case float[] a: await rg.WriteAsync<float>(field, a.AsMemory(start, count)); break;
                    case float?[] a: await rg.WriteAsync<float>(field, a.AsMemory(start, count)); break;
                    case double[] a: await rg.WriteAsync<double>(field, a.AsMemory(start, count)); break;
                    case DateTime[] a: await rg.WriteAsync<DateTime>(field, a.AsMemory(start, count)); break;
                    case DateTime?[] a: await rg.WriteAsync<DateTime>(field, a.AsMemory(start, count)); break;
                    case string?[] a: await rg.WriteAsync(field, a.Skip(start).Take(count).ToArray()!); break;
                    default: throw new NotSupportedException(values.GetType().Name);
                }
            }
        }
    }

    public static TimestampArray Timestamps(IEnumerable<DateTime> values)
    {
        var b = new TimestampArray.Builder(new TimestampType(TimeUnit.Microsecond, "UTC"));
        foreach (var v in values)
        {
            b.Append(new DateTimeOffset(v, TimeSpan.Zero));
        }

        return b.Build();
    }

    public static Int64Array Longs(IEnumerable<long> values)
    {
        var b = new Int64Array.Builder();
        foreach (var v in values)
        {
            b.Append(v);
        }

        return b.Build();
    }

    public static StringArray Strings(IEnumerable<string> values)
    {
        var b = new StringArray.Builder();
        foreach (var v in values)
        {
            b.Append(v);
        }

        return b.Build();
    }

    public static RecordBatch Batch(params (string Name, IArrowArray Array)[] columns)
    {
        var schema = new Schema.Builder();
        foreach (var (name, array) in columns)
        {
            schema.Field(new Apache.Arrow.Field(name, array.Data.DataType, nullable: true));
        }

        return new RecordBatch(schema.Build(), columns.Select(static c => c.Array), columns[0].Array.Length);
    }
}
