using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Inference;
using MLOps.Inference.OpenInference;

namespace MLOps.Docs.Snippets;

/// <summary>The code of docs/guides/open-inference.md.</summary>
public static class OpenInference
{
    /// <summary>Serves a batched ONNX model over the v2 protocol.</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <returns>A task that completes when the server stops.</returns>
    public static async Task ServeAsync(string[] args)
    {
        #region server
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Services.AddMLOps().AddOnnxInference("fraud", o =>
        {
            o.ModelPath = "models/fraud.onnx";
            o.Batching.MaxBatchSize = 64;
            o.Batching.MaxQueueDelay = TimeSpan.FromMilliseconds(1);
        });

        var app = builder.Build();
        app.MapOpenInference(o =>                                   // GET /v2, /v2/health/*, /v2/models/fraud[/ready]; POST .../infer
        {
            o.Models.Add("fraud");                                   // a keyed DynamicBatcher or ModelHost name
            o.RetryAfter = TimeSpan.FromSeconds(1);                  // Retry-After on 503 (queue full or timed out)
            o.MaxRequestBytes = 16L * 1024 * 1024;                   // larger bodies get 413
        });
        await app.RunAsync();
        #endregion
    }

    /// <summary>Registers a remote model.</summary>
    /// <param name="services">The host's services.</param>
    public static void RegisterClient(IServiceCollection services)
    {
        #region client
        services.AddMLOps().AddOpenInferenceClient("fraud", o =>
        {
            o.BaseAddress = new Uri("http://triton.models.svc:8000/");
            o.ModelName = "fraud_onnx";                              // default: the registration name
            o.ModelVersion = "3";                                    // default: the server chooses
            o.UseBinaryData = true;                                  // Triton's binary tensors; false for JSON-only servers
            o.MaxRetryAttempts = 3;                                  // 503, 429, timeouts, connection failures
            o.AttemptTimeout = TimeSpan.FromSeconds(5);
        });
        #endregion
    }

    /// <summary>Calls a model through the interface shared by local and remote models.</summary>
    /// <param name="provider">The services.</param>
    /// <param name="request">The four inputs of the fraud model.</param>
    /// <returns>A task that completes when done.</returns>
    public static async Task CallAsync(IServiceProvider provider, InferenceRequest request)
    {
        #region call
        var client = provider.GetRequiredKeyedService<IInferenceClient>("fraud");   // remote or local: same code
        InferenceResult result = await client.InferAsync(request);
        Console.WriteLine($"{result.ModelName} v{result.ModelVersion}: p = {result.Get<float>("Probability.output")[0]:F3}");
        #endregion
    }

    /// <summary>Health, metadata and request parameters.</summary>
    /// <param name="provider">The services.</param>
    /// <param name="request">A request.</param>
    /// <returns>A task that completes when done.</returns>
    public static async Task DirectAsync(IServiceProvider provider, InferenceRequest request)
    {
        #region direct
        var triton = provider.GetRequiredKeyedService<OpenInferenceClient>("fraud");
        if (!await triton.IsModelReadyAsync())
        {
            return;
        }

        ModelMetadata metadata = await triton.GetModelMetadataAsync();
        Console.WriteLine($"{metadata.Name} [{string.Join(", ", metadata.Versions)}] on {metadata.Platform}: " +
            string.Join(", ", metadata.Inputs.Select(i => $"{i.Name} {i.Datatype}[{string.Join(',', i.Shape)}]")));

        var call = new OpenInferenceCallOptions { Id = "req-42" };
        call.Parameters["priority"] = 1;                             // passed through as request parameters
        call.Outputs.Add("Probability.output");                     // ask only for what you read
        try
        {
            OpenInferenceResponse response = await triton.InferAsync(request, call);
            Console.WriteLine($"{response.Id}: {response.ModelName} v{response.ModelVersion}");
        }
        catch (OpenInferenceException ex)
        {
            Console.WriteLine($"{ex.Operation} failed: {(int?)ex.StatusCode} {ex.ServerMessage} (transient: {ex.IsTransient})");
        }
        #endregion
    }
}
