// DuckDB ASOF JOIN peer: the same point-in-time join as FeaturesPointInTimeBenchmarks (8 float features, TTL 0,
// newest feature row at or before each entity timestamp), straight off the Parquet files, result fully materialised.
// Usage: dotnet run -c Release -- <data dir> [iterations]
using System.Diagnostics;
using DuckDB.NET.Data;

var dir = args.Length > 0 ? args[0] : Path.GetFullPath("BenchmarkDotNet.Artifacts/features-data");
var iterations = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3;
var features = Path.Combine(dir, "features.parquet");
var entities = Path.Combine(dir, "entities.parquet");
var sql = $"""
    SELECT e.entity_id, e.event_timestamp, f.f0, f.f1, f.f2, f.f3, f.f4, f.f5, f.f6, f.f7
    FROM read_parquet('{entities}') e
    ASOF LEFT JOIN read_parquet('{features}') f
      ON e.entity_id = f.entity_id AND e.event_timestamp >= f.event_timestamp
    """;
using var connection = new DuckDBConnection("Data Source=:memory:");
connection.Open();
using (var threads = connection.CreateCommand())
{
    threads.CommandText = "SELECT current_setting('threads')";
    Console.WriteLine($"duckdb threads={threads.ExecuteScalar()}");
}

for (var i = 0; i <= iterations; i++)
{
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var sw = Stopwatch.StartNew();
    using var cmd = connection.CreateCommand();
    // Materialise the result inside DuckDB (CREATE TABLE) so that the timing is the join, not row-by-row ADO.NET reads.
    cmd.CommandText = $"CREATE OR REPLACE TABLE result AS {sql}";
    cmd.ExecuteNonQuery();
    sw.Stop();
    using var count = connection.CreateCommand();
    count.CommandText = "SELECT count(*), count(f0), sum(f0) FROM result";
    using var r = count.ExecuteReader();
    r.Read();
    var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
    Console.WriteLine($"{(i == 0 ? "warmup" : "run")} {i}: {sw.Elapsed.TotalMilliseconds:F0} ms, cpu {used.TotalMilliseconds:F0} ms, rows={r.GetInt64(0)} matched={r.GetInt64(1)} sum_f0={r.GetDouble(2):F3}");
}

Console.WriteLine($"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)} MiB");
