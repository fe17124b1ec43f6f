// An inference API: POST /predict reads the card's online features, runs the model through the dynamic batcher,
// and answers; health endpoints and Prometheus metrics.
//
//   dotnet run --project samples/MLOps.Samples.InferenceApi                      # serves on http://127.0.0.1:5080,
//       reading online features from .mlops/features/online.db (what the main job materializes; --online-store PATH)
//   dotnet run --project samples/MLOps.Samples.InferenceApi -- --load-test       # starts on a free loopback port with
//       an online store of 1,000 cards, sends 20,000 requests from 64 concurrent clients, prints throughput and
//       latency percentiles, checks /metrics
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using MLOps.Features;
using MLOps.Features.Online;
using MLOps.Inference;
using OpenTelemetry.Metrics;

var loadTest = args.Contains("--load-test");
var storeArgument = Array.IndexOf(args, "--online-store");
var onlineStore = storeArgument >= 0 && storeArgument + 1 < args.Length ? args[storeArgument + 1]
    : loadTest ? Path.Combine(Path.GetTempPath(), $"mlops-inference-api-{Environment.ProcessId}", "online.db")
    : Path.GetFullPath(Path.Combine(".mlops", "features", "online.db"));
var builder = WebApplication.CreateSlimBuilder(args.Where((a, i) => a != "--load-test" && i != storeArgument && i != storeArgument + 1).ToArray());
builder.WebHost.UseUrls(loadTest ? "http://127.0.0.1:0" : "http://127.0.0.1:5080");
builder.Logging.SetMinimumLevel(loadTest ? Microsoft.Extensions.Logging.LogLevel.Warning : Microsoft.Extensions.Logging.LogLevel.Information);
// The card_activity view of the main job; only its online half is read here, so the Parquet path is never opened.
var cardActivity = new FeatureView("card_activity", [new Entity("card", "card_id", FeatureValueType.Int64)],
    [new FeatureField("velocity", FeatureValueType.Float32)], new ParquetSource(".mlops/features/card_activity"), ttl: TimeSpan.FromHours(2));
builder.Services.AddMLOps()
    .AddFeatureStore(o => o.UseCatalogue(new FeatureCatalogue().Add(cardActivity)).UseSqlite(onlineStore))
    .AddOnnxInference("fraud", o =>
{
    o.ModelPath = Path.Combine(AppContext.BaseDirectory, "models", "fraud.onnx");
    o.Batching.MaxBatchSize = 64;
    o.Batching.MaxQueueDelay = TimeSpan.FromMilliseconds(1);
    o.Batching.MaxQueueSize = 2_048;
    o.Batching.DefaultQueueTimeout = TimeSpan.FromSeconds(1);
});
builder.Services.AddHealthChecks()
    .Add(new HealthCheckRegistration("fraud", sp => new OnnxModelHealthCheck(sp, "fraud"), HealthStatus.Unhealthy, ["ready"]));
builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
    .AddMeter("MLOps.Inference")
    .AddAspNetCoreInstrumentation()
    .AddPrometheusExporter());

var app = builder.Build();
app.MapPrometheusScrapingEndpoint(); // GET /metrics
app.MapHealthChecks("/health/live", new() { Predicate = _ => false });
app.MapHealthChecks("/health/ready", new() { Predicate = check => check.Tags.Contains("ready") });
app.MapPost("/predict", async (Transaction transaction, IOnlineFeatureReader features, [FromKeyedServices("fraud")] DynamicBatcher batcher, CancellationToken cancellationToken) =>
{
    try
    {
        // The card's velocity comes from the online store; a card it does not know (or a stale row) counts as 0.
        var online = await features.GetOnlineFeaturesAsync(new OnlineFeaturesRequest
        {
            Features = ["card_activity:velocity"],
            Entities = new Dictionary<string, IReadOnlyList<object?>> { ["card_id"] = [transaction.CardId] },
        }, cancellationToken);
        var column = online.Column("velocity");
        var status = column.Statuses[0];
        var velocity = status == FeatureStatus.Present ? (float)column.Values[0]! : 0f;
        var result = await batcher.InferAsync(transaction.ToRequest(velocity), cancellationToken: cancellationToken);
        return Results.Ok(new Prediction(
            result.Get<bool>("PredictedLabel.output")[0],
            result.Get<float>("Probability.output")[0],
            result.ModelName,
            result.ModelVersion,
            velocity,
            status.ToString()));
    }
    catch (InvalidInferenceInputException ex)
    {
        return Results.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
    }
    catch (Exception ex) when (ex is QueueFullException or QueueTimeoutException)
    {
        return Results.Problem("The model is overloaded; retry shortly.", statusCode: StatusCodes.Status503ServiceUnavailable,
            extensions: new Dictionary<string, object?> { ["retryAfterSeconds"] = 1 });
    }
});

if (!loadTest)
{
    await app.RunAsync();
    return 0;
}

await LoadTest.SeedOnlineStoreAsync(app.Services, cardActivity, cards: 1_000);
await app.StartAsync();
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
var exit = await LoadTest.RunAsync(new Uri(address), requests: 20_000, concurrency: 64);
await app.StopAsync();
if (storeArgument < 0)
{
    Directory.Delete(Path.GetDirectoryName(onlineStore)!, recursive: true); // the load test's own online store
}

return exit;

/// <summary>The request body of POST /predict: the card and what the transaction itself says.</summary>
internal sealed record Transaction(long CardId, float Amount, float Hour, float Distance)
{
    public InferenceRequest ToRequest(float velocity) => new(
    [
        new KeyValuePair<string, InferenceTensor>("amount", InferenceTensor.Create<float>(new[] { Amount }, 1, 1)),
        new KeyValuePair<string, InferenceTensor>("hour", InferenceTensor.Create<float>(new[] { Hour }, 1, 1)),
        new KeyValuePair<string, InferenceTensor>("distance", InferenceTensor.Create<float>(new[] { Distance }, 1, 1)),
        new KeyValuePair<string, InferenceTensor>("velocity", InferenceTensor.Create<float>(new[] { velocity }, 1, 1)),
    ]);
}

/// <summary>The response body of POST /predict.</summary>
internal sealed record Prediction(bool Fraud, float Probability, string Model, string Version, float Velocity, string VelocityStatus);

/// <summary>A loopback load test: concurrent clients, latency percentiles, then a look at /metrics.</summary>
internal static class LoadTest
{
    /// <summary>Writes one current card_activity row per card, as a materialization job would.</summary>
    public static async Task SeedOnlineStoreAsync(IServiceProvider services, FeatureView view, int cards)
    {
        var now = TimeProvider.System.GetUtcNow();
        var rows = Enumerable.Range(0, cards)
            .Select(card => new OnlineWriteRow([(long)card], [(float)(card % 8)], now.AddMinutes(-5)))
            .ToArray();
        await services.GetRequiredService<IOnlineStore>().WriteBatchAsync(view, rows);
    }

    public static async Task<int> RunAsync(Uri server, int requests, int concurrency)
    {
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = server };
        var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        Console.WriteLine($"GET /health/ready → {(int)ready.StatusCode}");
        var latencies = new double[requests];
        var statuses = new ConcurrentDictionary<HttpStatusCode, int>();
        int featuresRight = 0, featuresWrong = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForAsync(0, requests, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
        {
            var random = new Random(i);
            var body = new Transaction(random.Next(0, 1_100), (float)Math.Exp(3 + (random.NextDouble() * 3)), random.Next(0, 24), (float)(random.NextDouble() * 100)); // 1 in 11 cards unknown
            var started = Stopwatch.GetTimestamp();
            using var response = await client.PostAsJsonAsync(new Uri("/predict", UriKind.Relative), body, ct);
            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            statuses.AddOrUpdate(response.StatusCode, 1, static (_, n) => n + 1);
            if (response.IsSuccessStatusCode)
            {
                // Seeded cards 0..999 have velocity card % 8; the others are unknown to the online store.
                var prediction = await response.Content.ReadFromJsonAsync<Prediction>(ct);
                var known = body.CardId < 1_000;
                var right = known
                    ? prediction!.VelocityStatus == nameof(FeatureStatus.Present) && prediction.Velocity.Equals(body.CardId % 8)
                    : prediction!.VelocityStatus == nameof(FeatureStatus.NotFound);
                Interlocked.Increment(ref right ? ref featuresRight : ref featuresWrong);
            }
        });
        var elapsed = clock.Elapsed;
        Array.Sort(latencies);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{requests:N0} requests, {concurrency} concurrent clients, {elapsed.TotalSeconds:F2} s: {requests / elapsed.TotalSeconds:N0} req/s, " +
            $"p50 {latencies[requests / 2]:F2} ms, p95 {latencies[(int)(requests * 0.95)]:F2} ms, p99 {latencies[(int)(requests * 0.99)]:F2} ms"));
        Console.WriteLine("status codes: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{(int)s.Key} × {s.Value:N0}")));
        Console.WriteLine($"online features: {featuresRight:N0} responses carried the card's expected velocity and status, {featuresWrong:N0} did not");

        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        string[] expected = ["mlops_inference_request_duration_seconds_bucket", "mlops_inference_batch_size_bucket", "http_server_request_duration_seconds_bucket"];
        foreach (var name in expected)
        {
            var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
            Console.WriteLine($"/metrics {name}: {(line is null ? "MISSING" : "present")}");
        }

        var ok = statuses.Keys.All(s => s == HttpStatusCode.OK) && ready.IsSuccessStatusCode && featuresWrong == 0 && featuresRight == requests
            && expected.All(name => metrics.Contains(name, StringComparison.Ordinal));
        Console.WriteLine(ok ? "load test passed: no errors, metrics exposed" : "load test FAILED");
        return ok ? 0 : 1;
    }
}
