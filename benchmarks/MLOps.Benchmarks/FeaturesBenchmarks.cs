using System.Diagnostics;
using Apache.Arrow;
using Apache.Arrow.Types;
using BenchmarkDotNet.Attributes;
using MLOps.Features;
using MLOps.Features.Offline;
using MLOps.Features.Online;
using Parquet;
using Parquet.Schema;

namespace MLOps.Benchmarks;

/// <summary>
/// Point-in-time join of N feature rows x M entity rows from Parquet, 8 float features (issue 8, acceptance 5).
/// The data is written once to <c>MLOPS_FEATURES_DATA</c> (default <c>BenchmarkDotNet.Artifacts/features-data</c>);
/// the peers in <c>benchmarks/peers/features_*</c> read the same files. Sizes: <c>MLOPS_FEATURES_ROWS</c>
/// (default 10,000,000) and <c>MLOPS_FEATURES_ENTITIES</c> (default 1,000,000).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3, invocationCount: 1)]
public class FeaturesPointInTimeBenchmarks
{
    private ParquetOfflineStore _store = null!;
    private RecordBatch _entities = null!;
    private string[] _refs = null!;

    [GlobalSetup]
    public void Setup()
    {
        var data = FeaturesData.EnsureAsync().GetAwaiter().GetResult();
        var view = new FeatureView("stats", [new Entity("entity", "entity_id", FeatureValueType.Int64)],
            [.. Enumerable.Range(0, 8).Select(static i => new FeatureField($"f{i}", FeatureValueType.Float32))],
            new ParquetSource(data.FeaturesPath));
        _store = new ParquetOfflineStore(new FeatureCatalogue().Add(view));
        _entities = data.Entities;
        _refs = [.. Enumerable.Range(0, 8).Select(static i => $"stats:f{i}")];
    }

    [Benchmark]
    public long PointInTimeJoin()
    {
        var result = _store.GetHistoricalFeaturesAsync(_entities, _refs).GetAwaiter().GetResult();
        return result.Batch.Length;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        // The same cross-check the peers print (matched rows and the sum of f0), then three plain timed runs with the
        // process CPU time of each, for comparison with the peers' on a shared machine.
        for (var run = 1; run <= 3; run++)
        {
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            var result = _store.GetHistoricalFeaturesAsync(_entities, _refs).GetAwaiter().GetResult();
            sw.Stop();
            process.Refresh();
            var f0 = (FloatArray)result.Batch.Column("f0");
            var matched = 0;
            var sum = 0.0;
            for (var i = 0; i < f0.Length; i++)
            {
                if (f0.GetValue(i) is { } v)
                {
                    matched++;
                    sum += v;
                }
            }

            Console.WriteLine($"// features: run {run}: {sw.Elapsed.TotalMilliseconds:F0} ms, cpu {(process.TotalProcessorTime - cpu).TotalMilliseconds:F0} ms, rows={result.Batch.Length} matched={matched} sum_f0={sum:F3}, "
                + $"decode buffers {result.DecodeBufferBytes / (1 << 20)} MiB, join state {result.JoinStateBytes / (1 << 20)} MiB, peak working set {process.PeakWorkingSet64 / (1 << 20)} MiB");
        }
    }
}

/// <summary>Online read of 100 entities x 20 features from the SQLite online store.</summary>
[MemoryDiagnoser]
public class FeaturesOnlineReadBenchmarks
{
    private SqliteOnlineStore _store = null!;
    private FeatureView _view = null!;
    private IReadOnlyList<object>[] _keys = null!;
    private string[] _features = null!;
    private string _dir = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "mlops-bench-online-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _features = [.. Enumerable.Range(0, 20).Select(static i => $"f{i}")];
        _view = new FeatureView("stats", [new Entity("entity", "entity_id", FeatureValueType.Int64)],
            [.. _features.Select(static f => new FeatureField(f, FeatureValueType.Float64))], new ParquetSource(_dir));
        _store = new SqliteOnlineStore(Path.Combine(_dir, "online.db"));
        var rng = new Random(1);
        var rows = Enumerable.Range(0, 10_000).Select(i => new OnlineWriteRow([(long)i], [.. _features.Select(_ => (object?)rng.NextDouble())], DateTimeOffset.UnixEpoch.AddDays(20_000))).ToList();
        _store.WriteBatchAsync(_view, rows).AsTask().GetAwaiter().GetResult();
        _keys = [.. Enumerable.Range(0, 100).Select(i => (IReadOnlyList<object>)[(long)(i * 97 % 10_000)])];
    }

    [Benchmark]
    public int Read100x20() => _store.ReadAsync(_view, _keys, _features).AsTask().GetAwaiter().GetResult().Length;

    [GlobalCleanup]
    public void Cleanup()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>Writes the benchmark's Parquet files (and raw little-endian copies for the pandas peer) once.</summary>
internal static class FeaturesData
{
    public sealed record Data(string FeaturesPath, RecordBatch Entities);

    public static async Task<Data> EnsureAsync()
    {
        var rows = int.Parse(Environment.GetEnvironmentVariable("MLOPS_FEATURES_ROWS") ?? "10000000", System.Globalization.CultureInfo.InvariantCulture);
        var entityRows = int.Parse(Environment.GetEnvironmentVariable("MLOPS_FEATURES_ENTITIES") ?? "1000000", System.Globalization.CultureInfo.InvariantCulture);
        var dir = Environment.GetEnvironmentVariable("MLOPS_FEATURES_DATA") ?? Path.GetFullPath(Path.Combine("BenchmarkDotNet.Artifacts", "features-data"));
        Directory.CreateDirectory(dir);
        var keys = 100_000L;
        var origin = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var span = TimeSpan.FromDays(30).Ticks / 10; // micros
        var featuresPath = Path.Combine(dir, "features.parquet");
        var entitiesPath = Path.Combine(dir, "entities.parquet");
        var rng = new Random(42);
        if (!File.Exists(featuresPath))
        {
            await using var stream = File.Create(featuresPath);
            var fields = new List<DataField> { new DataField<long>("entity_id"), new DateTimeDataField("event_timestamp", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros) };
            fields.AddRange(Enumerable.Range(0, 8).Select(static i => (DataField)new DataField<float>($"f{i}")));
            await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields.ToArray()), stream);
            await using var rawIds = File.Create(Path.Combine(dir, "features.entity_id.i64"));
            await using var rawTs = File.Create(Path.Combine(dir, "features.ts_us.i64"));
            var rawF = Enumerable.Range(0, 8).Select(i => File.Create(Path.Combine(dir, $"features.f{i}.f32"))).ToArray();
            const int group = 1_000_000;
            for (var start = 0; start < rows; start += group)
            {
                var n = Math.Min(group, rows - start);
                var ids = new long[n];
                var ts = new DateTime[n];
                var us = new long[n];
                for (var i = 0; i < n; i++)
                {
                    ids[i] = rng.NextInt64(keys);
                    us[i] = rng.NextInt64(span);
                    ts[i] = origin.AddTicks(us[i] * 10);
                }

                using var rg = writer.CreateRowGroup();
                await rg.WriteAsync<long>(fields[0], ids);
                await rg.WriteAsync<DateTime>(fields[1], ts);
                rawIds.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(ids.AsSpan()));
                var epoch = (origin - DateTime.UnixEpoch).Ticks / 10;
                var abs = us.Select(u => u + epoch).ToArray();
                rawTs.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(abs.AsSpan()));
                for (var f = 0; f < 8; f++)
                {
                    var v = new float[n];
                    for (var i = 0; i < n; i++)
                    {
                        v[i] = rng.NextSingle();
                    }

                    await rg.WriteAsync<float>(fields[2 + f], v);
                    rawF[f].Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(v.AsSpan()));
                }
            }

            foreach (var f in rawF)
            {
                f.Dispose();
            }
        }

        var eIds = new long[entityRows];
        var eTs = new DateTime[entityRows];
        var eRng = new Random(7);
        for (var i = 0; i < entityRows; i++)
        {
            eIds[i] = eRng.NextInt64(keys);
            eTs[i] = origin.AddTicks(eRng.NextInt64(span) * 10);
        }

        if (!File.Exists(entitiesPath))
        {
            await using var stream = File.Create(entitiesPath);
            DataField[] fields = [new DataField<long>("entity_id"), new DateTimeDataField("event_timestamp", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros)];
            await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream);
            using var rg = writer.CreateRowGroup();
            await rg.WriteAsync<long>(fields[0], eIds);
            await rg.WriteAsync<DateTime>(fields[1], eTs);
            await File.WriteAllBytesAsync(Path.Combine(dir, "entities.entity_id.i64"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(eIds.AsSpan()).ToArray());
            var us = eTs.Select(t => (t - DateTime.UnixEpoch).Ticks / 10).ToArray();
            await File.WriteAllBytesAsync(Path.Combine(dir, "entities.ts_us.i64"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(us.AsSpan()).ToArray());
        }

        var idB = new Int64Array.Builder().Reserve(entityRows);
        var tsB = new TimestampArray.Builder(new TimestampType(TimeUnit.Microsecond, "UTC")).Reserve(entityRows);
        for (var i = 0; i < entityRows; i++)
        {
            idB.Append(eIds[i]);
            tsB.Append(new DateTimeOffset(eTs[i]));
        }

        var schema = new Schema.Builder()
            .Field(new Apache.Arrow.Field("entity_id", Int64Type.Default, false))
            .Field(new Apache.Arrow.Field("event_timestamp", new TimestampType(TimeUnit.Microsecond, "UTC"), false))
            .Build();
        return new Data(featuresPath, new RecordBatch(schema, [idB.Build(), tsB.Build()], entityRows));
    }
}
