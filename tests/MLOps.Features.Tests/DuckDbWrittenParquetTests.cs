using System.Globalization;
using Apache.Arrow;
using DuckDB.NET.Data;
using MLOps.Features.Offline;
using Parquet.Schema;

namespace MLOps.Features.Tests;

/// <summary>
/// Point-in-time joins over Parquet files written by DuckDB (dictionary-encoded keys, OPTIONAL columns with nulls,
/// data pages v1 and v2, Snappy, uncompressed and ZSTD, microsecond and nanosecond timestamps, many row groups),
/// compared with DuckDB running Feast's <c>row_number()</c> rule on the same files. This exercises the fast column
/// decoder and its fall-back to Parquet.Net, plus <c>field_mapping</c> and <c>filter_by_created_timestamp</c>.
/// </summary>
public sealed class DuckDbWrittenParquetTests : IDisposable
{
    private static readonly TimeSpan Ttl = TimeSpan.FromHours(6);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("snappy", "V1", false)]
    [InlineData("snappy", "V2", false)]
    [InlineData("uncompressed", "V1", false)]
    [InlineData("uncompressed", "V2", true)]
    [InlineData("zstd", "V1", false)]
    [InlineData("snappy", "V1", true)]
    public async Task GetHistoricalFeaturesAsync_DuckDbWrittenFiles_EqualsDuckDbOracle(string codec, string version, bool filterByCreated)
    {
        using var duck = new DuckDBConnection("Data Source=:memory:");
        duck.Open();
        var folder = _dir.Combine("stats");
        Directory.CreateDirectory(folder);

        // 20,000 rows over 50 keys; event times repeat (ties on (key, time)), created times never do.
        // raw_score is mapped to the feature 'score' by the view's field mapping.
        Execute(duck, """
            CREATE TABLE f AS
            SELECT (hash(i) % 50)::BIGINT AS driver_id,
                   TIMESTAMP '2026-01-01' + to_minutes((i % 3000)::BIGINT) AS event_timestamp,
                   (TIMESTAMP '2026-01-01' + to_minutes((i % 3000)::BIGINT) + to_seconds((hash(i * 7) % 7200)::BIGINT))::TIMESTAMP_NS AS created,
                   CASE WHEN i % 9 = 0 THEN NULL ELSE ((i % 1000) / 7)::FLOAT END AS conv_rate,
                   (i * 0.5)::DOUBLE AS raw_score,
                   CASE WHEN i % 11 = 0 THEN NULL ELSE (i % 500)::INTEGER END AS trips,
                   i::BIGINT AS seq,
                   CASE WHEN i % 13 = 0 THEN NULL ELSE 'L' || (i % 37)::VARCHAR END AS label
            FROM range(20000) t(i)
            ORDER BY event_timestamp
            """);
        Execute(duck, $"COPY f TO '{Path.Combine(folder, "part-0.parquet")}' (FORMAT PARQUET, COMPRESSION {codec}, ROW_GROUP_SIZE 2048, PARQUET_VERSION {version})");

        var rng = new Random(codec.Length + version.Length + (filterByCreated ? 100 : 0));
        var n = 3000;
        var ids = new long[n];
        var ts = new DateTime[n];
        for (var i = 0; i < n; i++)
        {
            ids[i] = rng.Next(60); // keys 50..59 have no features
            ts[i] = TestData.Origin.AddSeconds(rng.Next(3100 * 60));
        }

        // TTL edges: exactly at a feature time and exactly ttl after it (both inclusive), and one microsecond past.
        for (var i = 0; i < 30; i++)
        {
            ts[i] = TestData.Origin.AddMinutes(rng.Next(3000));
            ts[i + 30] = ts[i] + Ttl;
            ts[i + 60] = ts[i] + Ttl + TimeSpan.FromTicks(10);
            ids[i + 30] = ids[i + 60] = ids[i];
        }

        // Duplicate entity rows are kept.
        for (var i = 0; i < 40; i++)
        {
            ids[n - 1 - i] = ids[i * 3];
            ts[n - 1 - i] = ts[i * 3];
        }

        var rid = Enumerable.Range(0, n).Select(static i => (long)i).ToArray();
        await TestData.WriteAsync(_dir.Combine("entities.parquet"),
            [(new DataField<long>("rid"), rid), (new DataField<long>("driver_id"), ids), (TestData.Ts("event_timestamp"), ts)], rowGroupSize: 5000);

        var view = new FeatureView("stats", [PointInTimeOracleTests.Driver],
            [new FeatureField("conv_rate", FeatureValueType.Float32), new FeatureField("score", FeatureValueType.Float64),
             new FeatureField("trips", FeatureValueType.Int32), new FeatureField("seq", FeatureValueType.Int64), new FeatureField("label", FeatureValueType.String)],
            new ParquetSource(folder, CreatedTimestampColumn: "created", FieldMapping: new Dictionary<string, string> { ["raw_score"] = "score" }),
            ttl: Ttl);
        var store = new ParquetOfflineStore(new FeatureCatalogue().Add(view), new ParquetOfflineStoreOptions { MaxParallelRowGroups = 3 });
        var batch = TestData.Batch(("rid", TestData.Longs(rid)), ("driver_id", TestData.Longs(ids)), ("event_timestamp", TestData.Timestamps(ts)));
        string[] features = ["conv_rate", "score", "trips", "seq", "label"];

        var result = await store.GetHistoricalFeaturesAsync(batch, [.. features.Select(static f => "stats:" + f)],
            new HistoricalRetrievalOptions { FilterByCreatedTimestamp = filterByCreated }, TestContext.Current.CancellationToken);

        // The entity file has UTC timestamps; DuckDB's own columns are naive (UTC by construction).
        Execute(duck, $"CREATE TABLE ents AS SELECT rid, driver_id, event_timestamp::TIMESTAMP AS event_timestamp FROM read_parquet('{_dir.Combine("entities.parquet")}')");
        var created = filterByCreated ? " AND f.created <= e.event_timestamp" : string.Empty;
        var sql = $"""
            SELECT e.rid, c.conv_rate, c.raw_score, c.trips, c.seq, c.label
            FROM ents e LEFT JOIN (
                SELECT e.rid, f.conv_rate, f.raw_score, f.trips, f.seq, f.label,
                       row_number() OVER (PARTITION BY e.rid ORDER BY f.event_timestamp DESC, f.created DESC) AS rn
                FROM ents e
                JOIN read_parquet('{Path.Combine(folder, "*.parquet")}') f
                  ON e.driver_id = f.driver_id AND f.event_timestamp <= e.event_timestamp
                 AND f.event_timestamp >= e.event_timestamp - INTERVAL '{((long)Ttl.TotalSeconds).ToString(CultureInfo.InvariantCulture)} seconds'{created}
            ) c ON c.rid = e.rid AND c.rn = 1
            ORDER BY e.rid
            """;
        using var cmd = duck.CreateCommand();
        cmd.CommandText = sql;
        using var reader = cmd.ExecuteReader();
        var rows = 0;
        var matched = 0;
        while (reader.Read())
        {
            var row = (int)reader.GetInt64(0);
            row.Should().Be(rows, "the oracle lists every entity row once, in rid order");
            for (var f = 0; f < features.Length; f++)
            {
                var expected = reader.IsDBNull(f + 1) ? null : reader.GetValue(f + 1);
                PointInTimeOracleTests.Get(result.Batch.Column(features[f]), row).Should().Be(expected, $"{features[f]} of entity row {row}");
            }

            matched += reader.IsDBNull(4) ? 0 : 1;
            rows++;
        }

        rows.Should().Be(n);
        matched.Should().BeGreaterThan(n / 2, "the data must exercise matches, not only nulls");
        result.RowGroupsRead.Should().BeGreaterThan(1);
        result.DecodeBufferBytes.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task GetHistoricalFeaturesAsync_DuckDbFileSortedByTime_SkipsRowGroupsOutsideTheWindow()
    {
        using var duck = new DuckDBConnection("Data Source=:memory:");
        duck.Open();
        var folder = _dir.Combine("sorted");
        Directory.CreateDirectory(folder);
        Execute(duck, $"""
            COPY (SELECT (i % 10)::BIGINT AS driver_id, TIMESTAMP '2026-01-01' + to_minutes(i::BIGINT) AS event_timestamp, i::BIGINT AS seq
                  FROM range(20480) t(i))
            TO '{Path.Combine(folder, "p.parquet")}' (FORMAT PARQUET, ROW_GROUP_SIZE 2048)
            """);
        var view = new FeatureView("sorted", [PointInTimeOracleTests.Driver], [new FeatureField("seq", FeatureValueType.Int64)], new ParquetSource(folder), ttl: TimeSpan.FromMinutes(30));
        var store = new ParquetOfflineStore(new FeatureCatalogue().Add(view));
        var at = TestData.Origin.AddMinutes(11000);
        var batch = TestData.Batch(("driver_id", TestData.Longs([3])), ("event_timestamp", TestData.Timestamps([at])));

        var result = await store.GetHistoricalFeaturesAsync(batch, ["sorted:seq"], cancellationToken: TestContext.Current.CancellationToken);

        ((Int64Array)result.Batch.Column("seq")).GetValue(0).Should().Be(10993, "minute 10993 is the newest driver-3 row at or before minute 11000");
        result.RowGroupsRead.Should().Be(2, "row group 0 calibrates the statistics; of the others only row group 5 (minutes 10240-12287) overlaps [10970, 11000]");
        result.RowGroupsSkipped.Should().Be(8);
    }

    [Fact]
    public async Task GetHistoricalFeaturesAsync_TenTimesTheRows_SameDecodeBufferBound()
    {
        // Memory is bounded by the row groups in flight (MaxParallelRowGroups), not by the source's size.
        async Task<HistoricalFeatures> RunAsync(string name, int groups)
        {
            var n = groups * 1000;
            var ids = new long[n];
            var ts = new DateTime[n];
            var v = new double[n];
            for (var i = 0; i < n; i++)
            {
                ids[i] = i % 100;
                ts[i] = TestData.Origin.AddSeconds(i);
                v[i] = i;
            }

            await TestData.WriteAsync(_dir.Combine(name, "p.parquet"), [(new DataField<long>("driver_id"), ids), (TestData.Ts("event_timestamp"), ts), (new DataField<double>("v"), v)], rowGroupSize: 1000);
            var view = new FeatureView(name, [PointInTimeOracleTests.Driver], [new FeatureField("v", FeatureValueType.Float64)], new ParquetSource(_dir.Combine(name)));
            var store = new ParquetOfflineStore(new FeatureCatalogue().Add(view), new ParquetOfflineStoreOptions { MaxParallelRowGroups = 2 });
            var batch = TestData.Batch(("driver_id", TestData.Longs([7])), ("event_timestamp", TestData.Timestamps([TestData.Origin.AddDays(30)])));
            var result = await store.GetHistoricalFeaturesAsync(batch, [name + ":v"], cancellationToken: TestContext.Current.CancellationToken);
            ((DoubleArray)result.Batch.Column("v")).GetValue(0).Should().Be(n - 93, "the newest driver-7 row is the last one with i % 100 == 7");
            return result;
        }

        var small = await RunAsync("small", 4);
        var large = await RunAsync("large", 40);

        large.FeatureRowsRead.Should().Be(40_000);
        // Two workers at most, each one row group (1,000 rows, rented as 1,024) of key, time and value: 8 bytes each.
        const long bound = 2 * 1024 * (8 + 8 + 8);
        small.DecodeBufferBytes.Should().BeInRange(1, bound);
        large.DecodeBufferBytes.Should().BeInRange(1, bound, "ten times the rows, the same bound");
    }

    [Fact]
    public async Task GetHistoricalFeaturesAsync_SparseInt64Keys_UsesHashTableAndMatchesByHand()
    {
        // Keys far apart (no direct table): expectations worked out by hand.
        long[] keys = [5_000_000_000_000, 7_000_000_000_000, -3, 5_000_000_000_000];
        await TestData.WriteAsync(_dir.Combine("sparse", "p.parquet"),
        [
            (new DataField<long>("driver_id"), keys),
            (TestData.Ts("event_timestamp"), new[] { TestData.Origin, TestData.Origin, TestData.Origin.AddHours(1), TestData.Origin.AddHours(2) }),
            (new DataField<long>("seq"), new long[] { 1, 2, 3, 4 }),
        ], rowGroupSize: 10);
        var view = new FeatureView("sparse", [PointInTimeOracleTests.Driver], [new FeatureField("seq", FeatureValueType.Int64)], new ParquetSource(_dir.Combine("sparse")));
        var store = new ParquetOfflineStore(new FeatureCatalogue().Add(view));
        var batch = TestData.Batch(
            ("driver_id", TestData.Longs([5_000_000_000_000, 5_000_000_000_000, -3, -3, 7_000_000_000_000, 8])),
            ("event_timestamp", TestData.Timestamps([TestData.Origin.AddHours(1), TestData.Origin.AddHours(3), TestData.Origin, TestData.Origin.AddHours(1), TestData.Origin, TestData.Origin])));

        var result = await store.GetHistoricalFeaturesAsync(batch, ["sparse:seq"], cancellationToken: TestContext.Current.CancellationToken);

        var seq = (Int64Array)result.Batch.Column("seq");
        Enumerable.Range(0, 6).Select(i => seq.GetValue(i)).Should().Equal(1L, 4L, null, 3L, 2L, null);
    }

    private static void Execute(DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
