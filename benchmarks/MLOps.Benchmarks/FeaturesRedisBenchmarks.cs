using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using MLOps.Features;
using MLOps.Features.Online;
using MLOps.Features.Redis;

namespace MLOps.Benchmarks;

/// <summary>
/// Online reads from <see cref="RedisOnlineStore"/> on loopback with a warm connection (issue 9, acceptance 4):
/// 1 entity × 250 features and 100 entities × 20 features. Redis is <c>$MLOPS_REDIS</c> (<c>host:port</c>) when set,
/// else a <c>redis-server</c> this process starts on a free port. Per-read percentiles come from
/// <see cref="RedisLatencyHarness"/> (<c>dotnet run -c Release -- redis-latency</c>).
/// </summary>
[MemoryDiagnoser]
public class FeaturesRedisOnlineReadBenchmarks
{
    private RedisReadFixture _fixture = null!;

    [Params("1x250", "100x20")]
    public string Shape { get; set; } = "1x250";

    /// <summary>Gets or sets <see cref="RedisOnlineStoreOptions.HgetallFieldThreshold"/>: 0 for none (HMGET, the default), else the threshold.</summary>
    [Params(0, 20)]
    public int HgetallFieldThreshold { get; set; }

    [GlobalSetup]
    public void Setup() => _fixture = RedisReadFixture.CreateAsync(Shape, HgetallFieldThreshold == 0 ? null : HgetallFieldThreshold).GetAwaiter().GetResult();

    [Benchmark]
    public int Read() => _fixture.ReadOnceAsync(0).AsTask().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => _fixture.DisposeAsync().AsTask().GetAwaiter().GetResult();
}

/// <summary>
/// Times single reads one after another (no concurrency) and prints p50/p90/p99/p99.9/max per shape, as a Markdown table.
/// Arguments: <c>redis-latency [reads per shape, default 20000] [warm-up reads, default 2000]</c>.
/// </summary>
public static class RedisLatencyHarness
{
    public static async Task RunAsync(string[] args)
    {
        var reads = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
        var warmup = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2_000;
        Console.WriteLine($"// {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} CPUs, .NET {Environment.Version}, {reads} timed reads per shape after {warmup} warm-up reads");
        Console.WriteLine("| Read | Reads | p50 | p90 | p99 | p99.9 | max | mean | GCs gen0 / gen2 | allocated per read |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var shape in new[] { "1x250", "100x20" })
        {
            await using var fixture = await RedisReadFixture.CreateAsync(shape);
            await MeasureAsync($"{shape} `RedisOnlineStore.ReadAsync`", reads, warmup, fixture.ReadOnceAsync);
            if (shape == "1x250")
            {
                // The floor on this machine, same server and warm connection: a PING, and the same HMGET without decoding.
                await using var raw = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(fixture.Endpoint);
                var db = raw.GetDatabase();
                await MeasureAsync("PING (StackExchange.Redis, floor)", reads, warmup, async _ => { await db.PingAsync(); return 1; });
                var (key, fields) = fixture.RawRequest();
                await MeasureAsync("1x250 raw HMGET, no decoding", reads, warmup, async _ => (await db.HashGetAsync(key, fields)).Length);
            }
            else
            {
                // The client library's share: the same 100 pipelined HMGETs, no decoding, no result arrays of ours.
                await using var raw = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(fixture.Endpoint);
                var db = raw.GetDatabase();
                var (keys, fields) = fixture.RawBatchRequest();
                await MeasureAsync("100x20 raw pipelined HMGET, no decoding", reads, warmup, async i =>
                {
                    var batch = db.CreateBatch();
                    var tasks = new Task<StackExchange.Redis.RedisValue[]>[keys[i & 255].Length];
                    for (var e = 0; e < tasks.Length; e++)
                    {
                        tasks[e] = batch.HashGetAsync(keys[i & 255][e], fields);
                    }

                    batch.Execute();
                    return (await Task.WhenAll(tasks)).Length;
                });
            }

            await using var hgetall = await RedisReadFixture.CreateAsync(shape, hgetallFieldThreshold: 20);
            await MeasureAsync($"{shape} `ReadAsync`, `HgetallFieldThreshold = 20`", reads, warmup, hgetall.ReadOnceAsync);
        }
    }

    private static async Task MeasureAsync(string name, int reads, int warmup, Func<int, ValueTask<int>> read)
    {
        for (var i = 0; i < warmup; i++)
        {
            await read(i);
        }

        var samples = new double[reads];
        var gen0 = GC.CollectionCount(0);
        var gen2 = GC.CollectionCount(2);
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < reads; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await read(i);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        gen0 = GC.CollectionCount(0) - gen0;
        gen2 = GC.CollectionCount(2) - gen2;
        Array.Sort(samples);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {reads:N0} | {P(samples, 0.50):0.000} ms | {P(samples, 0.90):0.000} ms | {P(samples, 0.99):0.000} ms | {P(samples, 0.999):0.000} ms | {samples[^1]:0.000} ms | {samples.Average():0.000} ms | {gen0} / {gen2} | {allocated / 1024.0 / reads:N1} KB |"));
    }

    // Nearest-rank percentile.
    private static double P(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>A store with data loaded for one shape: 1,000 entities × 250 float features, or 10,000 entities × 20.</summary>
internal sealed class RedisReadFixture : IAsyncDisposable
{
    private readonly RedisServerProcess? _server;
    private readonly string _endpoint;
    private readonly RedisOnlineStore _store;
    private readonly FeatureView _view;
    private readonly string[] _features;
    private readonly IReadOnlyList<object>[][] _requests;

    private RedisReadFixture(RedisServerProcess? server, string endpoint, RedisOnlineStore store, FeatureView view, string[] features, IReadOnlyList<object>[][] requests)
    {
        _server = server;
        _endpoint = endpoint;
        _store = store;
        _view = view;
        _features = features;
        _requests = requests;
    }

    public static async Task<RedisReadFixture> CreateAsync(string shape, int? hgetallFieldThreshold = null)
    {
        var (entitiesPerRead, featureCount, stored) = shape switch
        {
            "1x250" => (1, 250, 1_000),
            "100x20" => (100, 20, 10_000),
            _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "1x250 or 100x20"),
        };
        var configured = Environment.GetEnvironmentVariable("MLOPS_REDIS");
        var server = configured is { Length: > 0 } ? null : await RedisServerProcess.StartAsync();
        var endpoint = configured is { Length: > 0 } ? configured : server!.Endpoint;
        var options = new RedisOnlineStoreOptions().Use("bench_" + shape.Replace('x', '_'), endpoint);
        options.HgetallFieldThreshold = hgetallFieldThreshold;
        var store = new RedisOnlineStore(options);
        var features = Enumerable.Range(0, featureCount).Select(static i => $"f{i}").ToArray();
        var view = new FeatureView("stats_" + shape.Replace('x', '_'), [new Entity("entity", "entity_id", FeatureValueType.Int64)],
            [.. features.Select(static f => new FeatureField(f, FeatureValueType.Float32))], new ParquetSource("."));
        var rng = new Random(1);
        var now = DateTimeOffset.UnixEpoch.AddDays(20_000);
        for (var start = 0; start < stored; start += 500)
        {
            var rows = Enumerable.Range(start, Math.Min(500, stored - start))
                .Select(i => new OnlineWriteRow([(long)i], [.. features.Select(_ => (object?)rng.NextSingle())], now)).ToList();
            await store.WriteBatchAsync(view, rows);
        }

        // 256 distinct requests, cycled: each a random set of stored entities.
        var requests = Enumerable.Range(0, 256)
            .Select(_ => Enumerable.Range(0, entitiesPerRead).Select(_ => (IReadOnlyList<object>)[(long)rng.Next(stored)]).ToArray()).ToArray();
        var fixture = new RedisReadFixture(server, endpoint, store, view, features, requests);
        var check = await store.ReadAsync(view, requests[0], features);
        if (check[0][0].Status != FeatureStatus.Present)
        {
            throw new InvalidOperationException("The benchmark data was not read back.");
        }

        return fixture;
    }

    public string Endpoint => _endpoint;

    /// <summary>The first request's key and the fields <see cref="RedisOnlineStore.ReadAsync"/> would ask for.</summary>
    public (StackExchange.Redis.RedisKey Key, StackExchange.Redis.RedisValue[] Fields) RawRequest()
    {
        var fields = _features.Select(f => (StackExchange.Redis.RedisValue)MurmurHash3.FeastFieldName(_view.Name, f))
            .Append((StackExchange.Redis.RedisValue)("_ts:" + _view.Name)).ToArray();
        return (_store.RedisKey(_view, _requests[0][0]), fields);
    }

    public (StackExchange.Redis.RedisKey[][] Keys, StackExchange.Redis.RedisValue[] Fields) RawBatchRequest()
    {
        var fields = _features.Select(f => (StackExchange.Redis.RedisValue)MurmurHash3.FeastFieldName(_view.Name, f))
            .Append((StackExchange.Redis.RedisValue)("_ts:" + _view.Name)).ToArray();
        return (_requests.Select(r => r.Select(k => (StackExchange.Redis.RedisKey)_store.RedisKey(_view, k)).ToArray()).ToArray(), fields);
    }

    public async ValueTask<int> ReadOnceAsync(int i)
    {
        var result = await _store.ReadAsync(_view, _requests[i & 255], _features);
        return result.Length;
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        _server?.Dispose();
    }
}

/// <summary>A throwaway <c>redis-server</c> (<c>$MLOPS_REDIS_SERVER</c> or on PATH) on a free loopback port, no persistence.</summary>
internal sealed class RedisServerProcess : IDisposable
{
    private readonly Process _process;

    private RedisServerProcess(Process process, int port)
    {
        _process = process;
        Endpoint = $"127.0.0.1:{port}";
    }

    public string Endpoint { get; }

    public static async Task<RedisServerProcess> StartAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var binary = Environment.GetEnvironmentVariable("MLOPS_REDIS_SERVER") is { Length: > 0 } b ? b : "redis-server";
        var info = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no" })
        {
            info.ArgumentList.Add(a);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {binary}.");
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return new RedisServerProcess(process, port);
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(20) && !process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }
}
