using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MLOps.Artifacts;
using MLOps.Inference;
using MLOps.Inference.Hosting;
using MLOps.Registry;

namespace MLOps.Docs.Snippets;

/// <summary>The code of docs/guides/inference.md.</summary>
public static class Inference
{
    /// <summary>One ONNX model behind the dynamic batcher.</summary>
    /// <param name="services">The host's services.</param>
    public static void RegisterBatcher(IServiceCollection services)
    {
        #region register-batcher
        services.AddMLOps().AddOnnxInference("fraud", o =>
        {
            o.ModelPath = "models/fraud.onnx";
            o.Model.ExecutionProvider = ExecutionProvider.Auto;      // CUDA if it loads, else the CPU (reason logged once)
            o.Model.IntraOpThreads = 2;
            o.Batching.MaxBatchSize = 64;                            // rows per model run
            o.Batching.MaxQueueDelay = TimeSpan.FromMilliseconds(1); // wait for more requests at most this long
            o.Batching.MaxQueueSize = 2_048;                         // beyond: QueueFullException at once
            o.Batching.DefaultQueueTimeout = TimeSpan.FromSeconds(1);
        });
        services.AddHealthChecks().Add(new HealthCheckRegistration("fraud",
            sp => new OnnxModelHealthCheck(sp, "fraud"), HealthStatus.Unhealthy, ["ready"]));   // ready once loaded and warmed up
        #endregion
    }

    /// <summary>Calls the batcher from many request threads.</summary>
    /// <param name="provider">The services.</param>
    /// <param name="rows">Feature rows, four values each.</param>
    /// <returns>The fraud probabilities.</returns>
    public static async Task<float[]> InferAsync(IServiceProvider provider, float[][] rows)
    {
        #region infer
        var batcher = provider.GetRequiredKeyedService<DynamicBatcher>("fraud");
        var probabilities = new float[rows.Length];
        await Parallel.ForAsync(0, rows.Length, async (i, cancellationToken) =>
        {
            float[] row = rows[i];
            var request = new InferenceRequest(
            [
                new("amount", InferenceTensor.Create<float>(new[] { row[0] }, 1, 1)),
                new("hour", InferenceTensor.Create<float>(new[] { row[1] }, 1, 1)),
                new("distance", InferenceTensor.Create<float>(new[] { row[2] }, 1, 1)),
                new("velocity", InferenceTensor.Create<float>(new[] { row[3] }, 1, 1)),
            ]);
            try
            {
                InferenceResult result = await batcher.InferAsync(request, cancellationToken: cancellationToken);
                probabilities[i] = result.Get<float>("Probability.output")[0];   // this request's rows only
            }
            catch (InvalidInferenceInputException ex)
            {
                Console.WriteLine(ex.Message);                       // names the input and the expected type and shape
            }
            catch (Exception ex) when (ex is QueueFullException or QueueTimeoutException)
            {
                probabilities[i] = float.NaN;                        // overloaded: shed or retry later (IsTransient)
            }
        });
        Console.WriteLine($"{batcher.Statistics.Requests} requests in {batcher.Statistics.Executions} model runs");
        #endregion
        return probabilities;
    }

    /// <summary>A model host that follows a registry alias, with a fallback chain.</summary>
    /// <param name="services">The host's services.</param>
    public static void RegisterHost(IServiceCollection services)
    {
        #region register-host
        services.AddMLOps()
            .AddLocalArtifactStore()
            .AddRegistry()
            .AddModelHost("fraud", o =>
            {
                o.Batching.MaxBatchSize = 64;
                o.RequestTimeout = TimeSpan.FromMilliseconds(50);    // slower: the previous version answers
                o.KeepPreviousVersion = true;                        // rollback target and first fallback
                o.RuleBasedFallback = static request =>              // last resort; null means "no answer"
                    request.Find("amount")!.AsSpan<float>()[0] > 5_000 ? FlagAll(request) : null;   // FlagAll: your rules
            });
        #endregion
    }

    /// <summary>Deploys, follows, rolls back and degrades.</summary>
    /// <param name="provider">The services.</param>
    /// <param name="request">A request.</param>
    /// <param name="stopping">Stops following the registry.</param>
    /// <returns>A task that completes when done.</returns>
    public static async Task HostAsync(IServiceProvider provider, InferenceRequest request, CancellationToken stopping)
    {
        #region model-host
        var host = provider.GetRequiredKeyedService<ModelHost>("fraud");
        var registry = provider.GetRequiredService<IModelRegistry>();
        var store = provider.GetRequiredService<IArtifactStore>();

        await host.DeployAsync(ModelSource.FromArtifact(store, "models/fraud/7/model.onnx", "7"));   // SHA-256 verified, warmed up
        Task following = host.FollowAsync(registry, ModelUri.Parse("models:/fraud@champion"), stopping);   // hot-swap on every move

        HostedResult answer = await host.InferAsync(request, routingKey: "customer-1001");
        Console.WriteLine($"{answer.ServedBy} v{answer.Version}: {answer.Reason}");   // Active | Canary | PreviousVersion | RuleBased | NoAnswer

        await host.StartCanaryAsync(ModelHostRegistryExtensions.FromRegistry(registry, "fraud", 8), fraction: 0.05);   // 5% of keys, sticky
        host.Degrade("drift CRITICAL on amount");                    // the fallback chain answers until Recover()
        await host.RollbackAsync();                                  // back to the previous version, kept loaded
        await following;
        #endregion
    }

    private static InferenceResult FlagAll(InferenceRequest request) => new(
        [
            new("PredictedLabel.output", InferenceTensor.Create<bool>(Enumerable.Repeat(true, request.Rows).ToArray(), request.Rows, 1)),
            new("Probability.output", InferenceTensor.Create<float>(Enumerable.Repeat(0.9f, request.Rows).ToArray(), request.Rows, 1)),
        ],
        "fraud-rules",
        "rules-1");
}
