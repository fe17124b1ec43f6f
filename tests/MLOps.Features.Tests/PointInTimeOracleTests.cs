using System.Globalization;
using Apache.Arrow;
using DuckDB.NET.Data;
using MLOps.Features.Offline;
using Parquet.Schema;

namespace MLOps.Features.Tests;

/// <summary>
/// Randomised point-in-time joins compared with an independent oracle: DuckDB running Feast's SQL rule
/// (join on keys and <c>ts - ttl &lt;= event_ts &lt;= ts</c>, then <c>row_number()</c> by event time and created time)
/// on the same Parquet files.
/// </summary>
public sealed class PointInTimeOracleTests : IDisposable
{
    private static readonly TimeSpan DriverTtl = TimeSpan.FromHours(2);
    private static readonly TimeSpan PairTtl = TimeSpan.FromMinutes(30);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task GetHistoricalFeaturesAsync_RandomisedThreeViews_EqualsDuckDbRowNumberOracle(int seed)
    {
        var rng = new Random(seed);
        var driverRows = await WriteDriverStatsAsync(rng);
        var pairRows = await WritePairStatsAsync(rng);
        await WriteCustomerProfileAsync(rng);
        var entities = MakeEntityRows(rng, driverRows, pairRows);
        await WriteEntitiesAsync(entities);
        var catalogue = Catalogue(_dir.Path);
        var store = new ParquetOfflineStore(catalogue);
        string[] refs = ["driver_stats:conv_rate", "driver_stats:trips", "driver_stats:label", "customer_profile:score", "customer_profile:segment", "pair_stats:pair_count"];

        var result = await store.GetHistoricalFeaturesAsync(EntityBatch(entities), refs, fullFeatureNames: true, TestContext.Current.CancellationToken);

        var batch = result.Batch;
        batch.Length.Should().Be(entities.Count, "every entity row, duplicates included, gets an output row");
        var rid = (Int64Array)batch.Column("rid");
        var ours = new Dictionary<long, int>();
        for (var i = 0; i < batch.Length; i++)
        {
            rid.GetValue(i)!.Value.Should().Be(entities[i].Rid, "output rows keep the input order");
            ours[rid.GetValue(i)!.Value] = i;
        }

        using var duck = new DuckDBConnection("Data Source=:memory:");
        duck.Open();
        Execute(duck, $"CREATE TABLE ents AS SELECT * FROM read_parquet('{_dir.Combine("entities.parquet")}')");
        var compared = 0;
        var matched = 0;
        foreach (var (view, keys, features, ttl, created) in new[]
                 {
                     ("driver_stats", new[] { "driver_id" }, new[] { "conv_rate", "trips", "label" }, DriverTtl, true),
                     ("customer_profile", new[] { "customer_id" }, new[] { "score", "segment" }, TimeSpan.Zero, false),
                     ("pair_stats", new[] { "driver_id", "customer_id" }, new[] { "pair_count" }, PairTtl, true),
                 })
        {
            // Parquet.Net 6.1.0 writes millisecond min/max statistics for microsecond timestamps; DuckDB trusts them
            // when reading the file directly and then skips the time predicate. A table recomputes its statistics.
            Execute(duck, $"CREATE TABLE {view} AS SELECT * FROM read_parquet('{_dir.Combine(view, "*.parquet")}')");
            var sql = OracleSql(view, keys, features, (long)ttl.TotalSeconds, created);
            using var cmd = duck.CreateCommand();
            cmd.CommandText = sql;
            using var reader = cmd.ExecuteReader();
            var rows = 0;
            while (reader.Read())
            {
                rows++;
                var row = ours[reader.GetInt64(0)];
                for (var f = 0; f < features.Length; f++)
                {
                    var expected = reader.IsDBNull(f + 1) ? null : reader.GetValue(f + 1);
                    var actual = Get(batch.Column(view + "__" + features[f]), row);
                    actual.Should().Be(expected, $"{view}:{features[f]} of entity row rid={reader.GetInt64(0)}");
                    compared++;
                }

                if (!reader.IsDBNull(reader.FieldCount - 1))
                {
                    matched++;
                }
            }

            rows.Should().Be(entities.Count);
        }

        compared.Should().Be(entities.Count * 6);
        matched.Should().BeGreaterThan(entities.Count / 2, "the data must exercise matches, not only nulls");
        result.RowGroupsRead.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task GetHistoricalFeaturesAsync_BareNamesClash_ThrowsCollision()
    {
        var rng = new Random(9);
        await WriteDriverStatsAsync(rng);
        var catalogue = Catalogue(_dir.Path);
        var other = new FeatureView("driver_stats_copy", [Driver], [new FeatureField("trips", FeatureValueType.Int64)], new ParquetSource(_dir.Combine("driver_stats"), CreatedTimestampColumn: "created"));
        catalogue.Add(other);
        var store = new ParquetOfflineStore(catalogue);
        var batch = TestData.Batch(("driver_id", TestData.Longs([1])), ("event_timestamp", TestData.Timestamps([TestData.Origin])));

        var clash = () => store.GetHistoricalFeaturesAsync(batch, ["driver_stats:trips", "driver_stats_copy:trips"], cancellationToken: TestContext.Current.CancellationToken);

        (await clash.Should().ThrowAsync<FeatureNameCollisionException>()).Which.ColumnName.Should().Be("trips");
        var full = await store.GetHistoricalFeaturesAsync(batch, ["driver_stats:trips", "driver_stats_copy:trips"], fullFeatureNames: true, TestContext.Current.CancellationToken);
        full.Batch.Schema.FieldsList.Select(static f => f.Name).Should().Equal("driver_id", "event_timestamp", "driver_stats__trips", "driver_stats_copy__trips");
    }

    [Fact]
    public async Task GetHistoricalFeaturesAsync_EntityRowsInOneDay_ReadsOnlyOverlappingRowGroups()
    {
        // Ten row groups, one per day; entity rows on day 5 with a one-hour TTL can only touch day 5 (and day 4's last hour).
        var n = 1000;
        var ids = new long[n];
        var ts = new DateTime[n];
        var trips = new long[n];
        for (var i = 0; i < n; i++)
        {
            ids[i] = i % 10;
            ts[i] = TestData.Origin.AddDays(i / 100).AddMinutes(i % 100);
            trips[i] = i;
        }

        await TestData.WriteAsync(_dir.Combine("daily", "part.parquet"),
            [(new DataField<long>("driver_id"), ids), (TestData.Ts("event_timestamp"), ts), (new DataField<long>("trips"), trips)], rowGroupSize: 100);
        var view = new FeatureView("daily", [Driver], [new FeatureField("trips", FeatureValueType.Int64)], new ParquetSource(_dir.Combine("daily")), ttl: TimeSpan.FromHours(1));
        var store = new ParquetOfflineStore(new FeatureCatalogue().Add(view));
        var batch = TestData.Batch(("driver_id", TestData.Longs([3, 3])), ("event_timestamp", TestData.Timestamps([TestData.Origin.AddDays(5).AddMinutes(30), TestData.Origin.AddDays(5).AddMinutes(3)])));

        var result = await store.GetHistoricalFeaturesAsync(batch, ["daily:trips"], cancellationToken: TestContext.Current.CancellationToken);

        // Row group 0 is always read: it calibrates how the file's statistics map to its times.
        result.RowGroupsRead.Should().Be(2);
        result.RowGroupsSkipped.Should().Be(8);
        var col = (Int64Array)result.Batch.Column("trips");
        col.GetValue(0).Should().Be(523, "day 5 minute 23 is the newest driver-3 row at or before minute 30");
        col.GetValue(1).Should().Be(503);
    }

    internal static readonly Entity Driver = new("driver", "driver_id", FeatureValueType.Int64);
    internal static readonly Entity Customer = new("customer", "customer_id", FeatureValueType.String);

    internal static FeatureCatalogue Catalogue(string root) => new FeatureCatalogue()
        .Add(new FeatureView("driver_stats", [Driver],
            [new FeatureField("conv_rate", FeatureValueType.Float32), new FeatureField("trips", FeatureValueType.Int64), new FeatureField("label", FeatureValueType.String)],
            new ParquetSource(Path.Combine(root, "driver_stats"), CreatedTimestampColumn: "created"), ttl: DriverTtl))
        .Add(new FeatureView("customer_profile", [Customer],
            [new FeatureField("score", FeatureValueType.Float64), new FeatureField("segment", FeatureValueType.String)],
            new ParquetSource(Path.Combine(root, "customer_profile"))))
        .Add(new FeatureView("pair_stats", [Driver, Customer],
            [new FeatureField("pair_count", FeatureValueType.Int64)],
            new ParquetSource(Path.Combine(root, "pair_stats"), CreatedTimestampColumn: "created"), ttl: PairTtl));

    internal sealed record EntityRow(long Rid, long DriverId, string CustomerId, DateTime Ts);

    private static string OracleSql(string glob, string[] keys, string[] features, long ttlSeconds, bool created)
    {
        var on = string.Join(" AND ", keys.Select(static k => $"e.{k} = f.{k}"));
        var ttl = ttlSeconds > 0 ? $" AND f.event_timestamp >= e.event_timestamp - INTERVAL '{ttlSeconds.ToString(CultureInfo.InvariantCulture)} seconds'" : string.Empty;
        var order = created ? "f.event_timestamp DESC, f.created DESC" : "f.event_timestamp DESC";
        return $"""
            SELECT e.rid, {string.Join(", ", features.Select(static f => "c." + f))}, c.rid AS matched
            FROM ents e LEFT JOIN (
                SELECT e.rid, {string.Join(", ", features.Select(static f => "f." + f))},
                       row_number() OVER (PARTITION BY e.rid ORDER BY {order}) AS rn
                FROM ents e JOIN {glob} f ON {on} AND f.event_timestamp <= e.event_timestamp{ttl}
            ) c ON c.rid = e.rid AND c.rn = 1
            ORDER BY e.rid
            """;
    }

    private static void Execute(DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    internal static object? Get(IArrowArray array, int i) => array.IsNull(i) ? null : array switch
    {
        Int64Array a => a.GetValue(i),
        FloatArray a => a.GetValue(i),
        DoubleArray a => a.GetValue(i),
        StringArray a => a.GetString(i),
        Int32Array a => a.GetValue(i),
        BooleanArray a => a.GetValue(i),
        _ => throw new NotSupportedException(array.GetType().Name),
    };

    private async Task<List<(long Id, DateTime Ts)>> WriteDriverStatsAsync(Random rng)
    {
        var seen = new HashSet<(long, DateTime, DateTime)>();
        var ids = new List<long>();
        var ts = new List<DateTime>();
        var created = new List<DateTime>();
        while (ids.Count < 1500)
        {
            var id = rng.Next(40);
            var t = TestData.Origin.AddMinutes(5 * rng.Next(24 * 12));
            var c = t.AddMinutes(rng.Next(4));
            if (seen.Add((id, t, c)))
            {
                ids.Add(id);
                ts.Add(t);
                created.Add(c);
            }
        }

        var n = ids.Count;
        var conv = Enumerable.Range(0, n).Select(i => rng.Next(10) == 0 ? (float?)null : (float)rng.NextDouble()).ToArray();
        var trips = Enumerable.Range(0, n).Select(i => (long)rng.Next(1000)).ToArray();
        var label = Enumerable.Range(0, n).Select(i => rng.Next(8) == 0 ? null : "L" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var half = n / 2;
        for (var part = 0; part < 2; part++)
        {
            var s = part * half;
            var len = part == 0 ? half : n - half;
            await TestData.WriteAsync(_dir.Combine("driver_stats", $"part-{part}.parquet"),
            [
                (new DataField<long>("driver_id"), ids.Skip(s).Take(len).ToArray()),
                (TestData.Ts("event_timestamp"), ts.Skip(s).Take(len).ToArray()),
                (TestData.Ts("created"), created.Skip(s).Take(len).ToArray()),
                (new DataField<float?>("conv_rate"), conv.AsSpan(s, len).ToArray()),
                (new DataField<long>("trips"), trips.AsSpan(s, len).ToArray()),
                (new DataField<string>("label"), label.AsSpan(s, len).ToArray()),
            ], rowGroupSize: 200);
        }

        return [.. ids.Zip(ts)];
    }

    private async Task<List<(long Id, string Customer, DateTime Ts)>> WritePairStatsAsync(Random rng)
    {
        var seen = new HashSet<(long, string, DateTime, DateTime)>();
        var rows = new List<(long Id, string Customer, DateTime Ts, DateTime Created)>();
        while (rows.Count < 800)
        {
            var id = rng.Next(40);
            var cust = "c" + rng.Next(20).ToString(CultureInfo.InvariantCulture);
            var t = TestData.Origin.AddMinutes(10 * rng.Next(24 * 6));
            var c = t.AddSeconds(rng.Next(3));
            if (seen.Add((id, cust, t, c)))
            {
                rows.Add((id, cust, t, c));
            }
        }

        await TestData.WriteAsync(_dir.Combine("pair_stats", "part-0.parquet"),
        [
            (new DataField<long>("driver_id"), rows.Select(static r => r.Id).ToArray()),
            (new DataField<string>("customer_id"), rows.Select(static r => r.Customer).ToArray()),
            (TestData.Ts("event_timestamp"), rows.Select(static r => r.Ts).ToArray()),
            (TestData.Ts("created"), rows.Select(static r => r.Created).ToArray()),
            (new DataField<long?>("pair_count"), rows.Select(_ => rng.Next(6) == 0 ? (long?)null : rng.Next(100)).ToArray()),
        ], rowGroupSize: 128);
        return [.. rows.Select(static r => (r.Id, r.Customer, r.Ts))];
    }

    private async Task WriteCustomerProfileAsync(Random rng)
    {
        var seen = new HashSet<(string, DateTime)>();
        var rows = new List<(string Customer, DateTime Ts)>();
        while (rows.Count < 300)
        {
            var cust = "c" + rng.Next(20).ToString(CultureInfo.InvariantCulture);
            var t = TestData.Origin.AddMinutes(rng.Next(24 * 60));
            if (seen.Add((cust, t)))
            {
                rows.Add((cust, t));
            }
        }

        await TestData.WriteAsync(_dir.Combine("customer_profile", "part-0.parquet"),
        [
            (new DataField<string>("customer_id"), rows.Select(static r => r.Customer).ToArray()),
            (TestData.Ts("event_timestamp"), rows.Select(static r => r.Ts).ToArray()),
            (new DataField<double>("score"), rows.Select(_ => rng.NextDouble()).ToArray()),
            (new DataField<string>("segment"), rows.Select(_ => "s" + rng.Next(4).ToString(CultureInfo.InvariantCulture)).ToArray()),
        ], rowGroupSize: 64);
    }

    private static List<EntityRow> MakeEntityRows(Random rng, List<(long Id, DateTime Ts)> driverRows, List<(long Id, string Customer, DateTime Ts)> pairRows)
    {
        var rows = new List<(long Driver, string Customer, DateTime Ts)>();
        for (var i = 0; i < 300; i++)
        {
            var cust = "c" + rng.Next(25).ToString(CultureInfo.InvariantCulture);
            rows.Add((rng.Next(50), cust, TestData.Origin.AddSeconds(rng.Next(26 * 3600))));
        }

        // TTL edges: exactly at a feature row, exactly ttl later (inclusive), and one microsecond past the bound.
        foreach (var delta in new[] { TimeSpan.Zero, DriverTtl, DriverTtl + TimeSpan.FromTicks(10) })
        {
            for (var i = 0; i < 25; i++)
            {
                var r = driverRows[rng.Next(driverRows.Count)];
                rows.Add((r.Id, "c" + rng.Next(25).ToString(CultureInfo.InvariantCulture), r.Ts + delta));
            }
        }

        foreach (var delta in new[] { TimeSpan.Zero, PairTtl, PairTtl + TimeSpan.FromTicks(10) })
        {
            for (var i = 0; i < 25; i++)
            {
                var r = pairRows[rng.Next(pairRows.Count)];
                rows.Add((r.Id, r.Customer, r.Ts + delta));
            }
        }

        var count = rows.Count;
        for (var i = 0; i < 40; i++)
        {
            rows.Add(rows[rng.Next(count)]);
        }

        return [.. rows.OrderBy(_ => rng.Next()).Select(static (r, i) => new EntityRow(i, r.Driver, r.Customer, r.Ts))];
    }

    private Task WriteEntitiesAsync(List<EntityRow> rows) => TestData.WriteAsync(_dir.Combine("entities.parquet"),
    [
        (new DataField<long>("rid"), rows.Select(static r => r.Rid).ToArray()),
        (new DataField<long>("driver_id"), rows.Select(static r => r.DriverId).ToArray()),
        (new DataField<string>("customer_id"), rows.Select(static r => r.CustomerId).ToArray()),
        (TestData.Ts("event_timestamp"), rows.Select(static r => r.Ts).ToArray()),
    ], rowGroupSize: 1000);

    private static RecordBatch EntityBatch(List<EntityRow> rows) => TestData.Batch(
        ("rid", TestData.Longs(rows.Select(static r => r.Rid))),
        ("driver_id", TestData.Longs(rows.Select(static r => r.DriverId))),
        ("customer_id", TestData.Strings(rows.Select(static r => r.CustomerId))),
        ("event_timestamp", TestData.Timestamps(rows.Select(static r => r.Ts))));
}
