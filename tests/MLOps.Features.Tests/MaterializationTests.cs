using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using MLOps.Features.Materialization;
using MLOps.Features.Online;
using Parquet.Schema;

namespace MLOps.Features.Tests;

public sealed class MaterializationTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset End1 = Start.AddDays(5);
    private static readonly DateTimeOffset End2 = Start.AddDays(10);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private async Task WriteSourceAsync(int entities = 1000)
    {
        var rng = new Random(17);
        var ids = new List<long>();
        var ts = new List<DateTime>();
        var rate = new List<double>();
        var count = new List<long>();
        for (var day = 0; day < 10; day++)
        {
            for (var e = 0; e < entities; e++)
            {
                if (rng.Next(4) == 0)
                {
                    continue; // not every entity has data every day
                }

                ids.Add(e);
                ts.Add(Start.UtcDateTime.AddDays(day).AddMinutes(rng.Next(24 * 60)));
                rate.Add(rng.NextDouble());
                count.Add(rng.Next(100));
            }
        }

        await TestData.WriteAsync(_dir.Combine("src", "part.parquet"),
            [(new DataField<long>("driver_id"), ids.ToArray()), (TestData.Ts("event_timestamp"), ts.ToArray()), (new DataField<double>("rate"), rate.ToArray()), (new DataField<long>("count"), count.ToArray())],
            rowGroupSize: 2000);
    }

    [Fact]
    public async Task MaterializeIncrementalAsync_ChildKilledMidRun_ResumesFromWatermarkToSameState()
    {
        await WriteSourceAsync();
        var ct = TestContext.Current.CancellationToken;

        // Reference: one uninterrupted sequence in this process.
        var reference = new SqliteOnlineStore(_dir.Combine("reference.db"));
        var catalogue = CrashMaterializer.Program.Catalogue(_dir.Combine("src"));
        var m = new Materializer(catalogue, reference, reference, options: new MaterializationOptions { BatchSize = 100 });
        await m.MaterializeAsync(Start, End1, cancellationToken: ct);
        await m.MaterializeIncrementalAsync(End2, cancellationToken: ct);

        // Crash: a child runs the same sequence and is SIGKILLed after the first committed batch of the incremental run.
        var crashedDb = _dir.Combine("crashed.db");
        await RunAndKillChildAsync(crashedDb);
        var crashed = new SqliteOnlineStore(crashedDb);
        (await crashed.GetWatermarkAsync("trips", ct)).Should().Be(End1, "the killed run must not move the watermark");
        var partial = Dump(crashedDb);
        partial.Where(static r => r.EventTs > End1.ToUnixTimeMilliseconds() * 1000).Select(static r => r.Key).Distinct().Count()
            .Should().BeInRange(1, 100, "only the first batch (100 entities) of the second run was committed");

        var progress = new List<MaterializationProgress>();
        var resumed = await new Materializer(catalogue, crashed, crashed, options: new MaterializationOptions { BatchSize = 100 })
            .MaterializeIncrementalAsync(End2, progress: new SyncProgress(progress), cancellationToken: ct);

        resumed.Should().ContainSingle().Which.Start.Should().Be(End1);
        progress.Should().NotBeEmpty();
        progress[^1].RowsDone.Should().Be(progress[^1].RowsTotal);
        Dump(crashedDb).Should().Equal(Dump(_dir.Combine("reference.db")));
        (await crashed.GetWatermarkAsync("trips", ct)).Should().Be(End2);
    }

    [Fact]
    public async Task MaterializeAsync_Window_WritesLatestRowPerEntityInsideWindowOnly()
    {
        await WriteSourceAsync(entities: 50);
        var ct = TestContext.Current.CancellationToken;
        var store = new SqliteOnlineStore(_dir.Combine("online.db"));
        var catalogue = CrashMaterializer.Program.Catalogue(_dir.Combine("src"));
        var view = catalogue.GetFeatureView("trips");

        await new Materializer(catalogue, store, store).MaterializeAsync(Start.AddDays(2), Start.AddDays(3), cancellationToken: ct);

        // Independent reference: LINQ over the same rows, newest per entity with 2 <= day <= 3.
        using var duck = new DuckDB.NET.Data.DuckDBConnection("Data Source=:memory:");
        duck.Open();
        using var cmd = duck.CreateCommand();
        cmd.CommandText = $"""
            CREATE TABLE s AS SELECT * FROM read_parquet('{_dir.Combine("src", "part.parquet")}');
            SELECT driver_id, rate FROM (SELECT *, row_number() OVER (PARTITION BY driver_id ORDER BY event_timestamp DESC) rn FROM s
              WHERE event_timestamp BETWEEN TIMESTAMPTZ '2026-01-03 00:00:00+00' AND TIMESTAMPTZ '2026-01-04 00:00:00+00') WHERE rn = 1
            """;
        var expected = new Dictionary<long, double>();
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                expected[r.GetInt64(0)] = r.GetDouble(1);
            }
        }

        var keys = Enumerable.Range(0, 50).Select(static i => (IReadOnlyList<object>)[(long)i]).ToArray();
        var read = await store.ReadAsync(view, keys, ["rate"], ct);
        for (var i = 0; i < 50; i++)
        {
            if (expected.TryGetValue(i, out var rate))
            {
                read[i][0].Value.Should().Be(rate);
            }
            else
            {
                read[i][0].Status.Should().Be(FeatureStatus.NotFound);
            }
        }

        expected.Should().NotBeEmpty();
    }

    [Fact]
    public async Task MaterializeAsync_Cancelled_DoesNotMoveWatermark()
    {
        await WriteSourceAsync(entities: 50);
        var store = new SqliteOnlineStore(_dir.Combine("online.db"));
        var catalogue = CrashMaterializer.Program.Catalogue(_dir.Combine("src"));
        using var cts = new CancellationTokenSource();
        var m = new Materializer(catalogue, store, store, new FakeTimeProvider(Start), new MaterializationOptions { BatchSize = 10 });

        var run = () => m.MaterializeIncrementalAsync(End2, progress: new CancelOnFirst(cts), cancellationToken: cts.Token);

        await run.Should().ThrowAsync<OperationCanceledException>();
        (await store.GetWatermarkAsync("trips", TestContext.Current.CancellationToken)).Should().BeNull();
    }

    private async Task RunAndKillChildAsync(string db)
    {
        var child = Path.Combine(AppContext.BaseDirectory, "MLOps.Features.CrashMaterializer.dll");
        var info = new ProcessStartInfo(ProcessRunner.DotnetHost) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in new[] { child, _dir.Combine("src"), db, Start.ToString("O", CultureInfo.InvariantCulture), End1.ToString("O", CultureInfo.InvariantCulture), End2.ToString("O", CultureInfo.InvariantCulture), "100" })
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        (await process.StandardOutput.ReadLineAsync(timeout.Token)).Should().Be("FIRST-DONE", "stderr: {0}", process.HasExited ? await process.StandardError.ReadToEndAsync() : "");
        (await process.StandardOutput.ReadLineAsync(timeout.Token)).Should().Be("BATCH");
        process.Kill(); // SIGKILL: no cleanup in the child
        await process.WaitForExitAsync(timeout.Token);
        process.ExitCode.Should().Be(137);
    }

    private sealed record Row(string Key, string Feature, string? Value, long EventTs);

    private static List<Row> Dump(string db)
    {
        using var c = new SqliteConnection($"Data Source={db};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT hex(entity_key), feature, CAST(value AS TEXT), event_ts FROM feature_values ORDER BY 1, 2";
        using var r = cmd.ExecuteReader();
        var rows = new List<Row>();
        while (r.Read())
        {
            rows.Add(new Row(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetInt64(3)));
        }

        return rows;
    }

    private sealed class SyncProgress(List<MaterializationProgress> sink) : IProgress<MaterializationProgress>
    {
        public void Report(MaterializationProgress value) => sink.Add(value);
    }

    private sealed class CancelOnFirst(CancellationTokenSource cts) : IProgress<MaterializationProgress>
    {
        public void Report(MaterializationProgress value) => cts.Cancel();
    }

    [Fact]
    public async Task MaterializeAsync_ContractViolated_ThrowsWithEveryViolationAndWritesNothing()
    {
        // Hand-built source: three drivers; driver 2's latest row in the window has a rate above the contract's bound,
        // driver 3's only in-window row has one too; driver 1's latest is fine (its older, bad row is not the latest).
        var t = Start.UtcDateTime;
        await TestData.WriteAsync(_dir.Combine("src", "part.parquet"),
        [
            (new DataField<long>("driver_id"), new long[] { 1, 1, 2, 2, 3 }),
            (TestData.Ts("event_timestamp"), new[] { t.AddHours(1), t.AddHours(2), t.AddHours(1), t.AddHours(3), t.AddHours(4) }),
            (new DataField<double>("rate"), new[] { 7.0, 0.2, 0.3, 1.5, 9.0 }),
            (new DataField<long>("count"), new long[] { 1, 2, 3, 4, 5 }),
        ], rowGroupSize: 10);
        var ct = TestContext.Current.CancellationToken;
        var store = new SqliteOnlineStore(_dir.Combine("online.db"));
        var options = new MaterializationOptions();
        options.Contracts["trips"] = new Contracts.DataContract("trips_ok", [new Contracts.ColumnRule { Name = "rate", Min = 0, Max = 1 }]);
        var m = new Materializer(CrashMaterializer.Program.Catalogue(_dir.Combine("src")), store, store, options: options);

        var run = () => m.MaterializeAsync(Start, Start.AddDays(1), cancellationToken: ct);

        var report = (await run.Should().ThrowAsync<Contracts.DataContractException>()).Which.Report;
        report.Contract.Should().Be("trips_ok");
        report.RowsChecked.Should().Be(3, "one latest row per driver");
        report.Violations.Should().HaveCount(2).And.OnlyContain(static v => v.Column == "rate" && v.Check == "range");
        report.Violations.Select(static v => v.Message).Should().Contain(static msg => msg.Contains("1.5", StringComparison.Ordinal))
            .And.Contain(static msg => msg.Contains('9', StringComparison.Ordinal));
        (await store.GetWatermarkAsync("trips", ct)).Should().BeNull("a view that fails its contract is not materialized");
        var view = CrashMaterializer.Program.Catalogue(_dir.Combine("src")).GetFeatureView("trips");
        var read = await store.ReadAsync(view, [[1L], [2L], [3L]], ["rate"], ct);
        read.Should().OnlyContain(static row => row[0].Status == FeatureStatus.NotFound, "nothing of the view was written");

        options.ValidateContracts = false;
        await m.MaterializeAsync(Start, Start.AddDays(1), cancellationToken: ct);
        (await store.ReadAsync(view, [[1L]], ["rate"], ct))[0][0].Value.Should().Be(0.2);
    }
}
