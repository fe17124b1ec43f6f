// An inference API: POST /predict served through the dynamic batcher, health endpoints, Prometheus metrics.
//
//   dotnet run --project samples/MLOps.Samples.InferenceApi                      # serves on http://127.0.0.1:5080
//   dotnet run --project samples/MLOps.Samples.InferenceApi -- --load-test       # starts on a free loopback port,
//       sends 20,000 requests from 64 concurrent clients, prints throughput and latency percentiles, checks /metrics
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
using MLOps.Inference;
using OpenTelemetry.Metrics;

var loadTest = args.Contains("--load-test");
var builder = WebApplication.CreateSlimBuilder(args.Where(a => a != "--load-test").ToArray());
builder.WebHost.UseUrls(loadTest ? "http://127.0.0.1:0" : "http://127.0.0.1:5080");
builder.Logging.SetMinimumLevel(loadTest ? Microsoft.Extensions.Logging.LogLevel.Warning : Microsoft.Extensions.Logging.LogLevel.Information);
builder.Services.AddMLOps().AddOnnxInference("fraud", o =>
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
app.MapPost("/predict", async (Transaction transaction, [FromKeyedServices("fraud")] DynamicBatcher batcher, CancellationToken cancellationToken) =>
{
    try
    {
        var result = await batcher.InferAsync(transaction.ToRequest(), cancellationToken: cancellationToken);
        return Results.Ok(new Prediction(
            result.Get<bool>("PredictedLabel.output")[0],
            result.Get<float>("Probability.output")[0],
            result.ModelName,
            result.ModelVersion));
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

await app.StartAsync();
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
var exit = await LoadTest.RunAsync(new Uri(address), requests: 20_000, concurrency: 64);
await app.StopAsync();
return exit;

/// <summary>The request body of POST /predict.</summary>
internal sealed record Transaction(float Amount, float Hour, float Distance, float Velocity)
{
    public InferenceRequest ToRequest() => new(
    [
        new KeyValuePair<string, InferenceTensor>("amount", InferenceTensor.Create<float>(new[] { Amount }, 1, 1)),
        new KeyValuePair<string, InferenceTensor>("hour", InferenceTensor.Create<float>(new[] { Hour }, 1, 1)),
        new KeyValuePair<string, InferenceTensor>("distance", InferenceTensor.Create<float>(new[] { Distance }, 1, 1)),
        new KeyValuePair<string, InferenceTensor>("velocity", InferenceTensor.Create<float>(new[] { Velocity }, 1, 1)),
    ]);
}

/// <summary>The response body of POST /predict.</summary>
internal sealed record Prediction(bool Fraud, float Probability, string Model, string Version);

/// <summary>A loopback load test: concurrent clients, latency percentiles, then a look at /metrics.</summary>
internal static class LoadTest
{
    public static async Task<int> RunAsync(Uri server, int requests, int concurrency)
    {
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = server };
        var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        Console.WriteLine($"GET /health/ready → {(int)ready.StatusCode}");
        var latencies = new double[requests];
        var statuses = new ConcurrentDictionary<HttpStatusCode, int>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForAsync(0, requests, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
        {
            var random = new Random(i);
            var body = new Transaction((float)Math.Exp(3 + (random.NextDouble() * 3)), random.Next(0, 24), (float)(random.NextDouble() * 100), random.Next(0, 8));
            var started = Stopwatch.GetTimestamp();
            using var response = await client.PostAsJsonAsync(new Uri("/predict", UriKind.Relative), body, ct);
            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            statuses.AddOrUpdate(response.StatusCode, 1, static (_, n) => n + 1);
        });
        var elapsed = clock.Elapsed;
        Array.Sort(latencies);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{requests:N0} requests, {concurrency} concurrent clients, {elapsed.TotalSeconds:F2} s: {requests / elapsed.TotalSeconds:N0} req/s, " +
            $"p50 {latencies[requests / 2]:F2} ms, p95 {latencies[(int)(requests * 0.95)]:F2} ms, p99 {latencies[(int)(requests * 0.99)]:F2} ms"));
        Console.WriteLine("status codes: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{(int)s.Key} × {s.Value:N0}")));

        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        string[] expected = ["mlops_inference_request_duration_seconds_bucket", "mlops_inference_batch_size_bucket", "http_server_request_duration_seconds_bucket"];
        foreach (var name in expected)
        {
            var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
            Console.WriteLine($"/metrics {name}: {(line is null ? "MISSING" : "present")}");
        }

        var ok = statuses.Keys.All(s => s == HttpStatusCode.OK) && ready.IsSuccessStatusCode
            && expected.All(name => metrics.Contains(name, StringComparison.Ordinal));
        Console.WriteLine(ok ? "load test passed: no errors, metrics exposed" : "load test FAILED");
        return ok ? 0 : 1;
    }
}
