using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using MLOps.TestKit;

namespace MLOps.Inference.Tests;

public sealed class AddOnnxInferenceTests
{
    [Fact]
    public async Task AddOnnxInference_Resolved_ServesTheNamedModelThroughItsBatcher()
    {
        var services = new ServiceCollection();
        services.AddMLOps().AddOnnxInference("fraud", o =>
        {
            o.ModelPath = TestAssets.File("mlp.onnx");
            o.Model.ExecutionProvider = ExecutionProvider.Cpu;
            o.Batching.MaxBatchSize = 16;
        });
        await using var provider = services.BuildServiceProvider();

        var batcher = provider.GetRequiredKeyedService<DynamicBatcher>("fraud");
        var result = await batcher.InferAsync(Models.MlpRequest(5));

        Models.AssertMlpRows(result, 5);
        batcher.Model.Name.Should().Be("fraud", "the service key names the model in results, logs and metrics");
        provider.GetRequiredKeyedService<OnnxModel>("fraud").Should().BeSameAs(batcher.Model);
    }

    [Fact]
    public void AddOnnxInference_CalledTwice_RegistersOneModel()
    {
        var services = new ServiceCollection();
        services.AddMLOps().AddOnnxInference("a", o => o.ModelPath = "x.onnx").AddOnnxInference("a", o => o.Batching.MaxBatchSize = 8);

        services.Count(d => d.ServiceType == typeof(DynamicBatcher) && Equals(d.ServiceKey, "a")).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(OnnxModel) && Equals(d.ServiceKey, "a")).Should().Be(1);
    }

    [Fact]
    public async Task AddOnnxInference_BadOptions_FailValidationNamingEachProblem()
    {
        var services = new ServiceCollection();
        services.AddMLOps().AddOnnxInference("broken", o =>
        {
            o.ModelPath = "/nonexistent/model.onnx";
            o.Batching.MaxBatchSize = 4;
            o.Batching.PreferredBatchSizes.Add(8);
        });
        await using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptionsMonitor<OnnxInferenceOptions>>().Get("broken");

        act.Should().Throw<OptionsValidationException>()
            .WithMessage("*'/nonexistent/model.onnx' does not exist*")
            .WithMessage("*PreferredBatchSizes contains 8*");
    }

    [Fact]
    public async Task HealthCheck_LoadedModel_IsHealthyWithProvider()
    {
        var services = new ServiceCollection();
        services.AddMLOps().AddOnnxInference("fraud", o => o.ModelPath = TestAssets.File("mlp.onnx"));
        await using var provider = services.BuildServiceProvider();

        var health = await new OnnxModelHealthCheck(provider, "fraud").CheckHealthAsync(new HealthCheckContext());

        health.Status.Should().Be(HealthStatus.Healthy);
        health.Data["provider"].Should().Be("Cpu");
        health.Description.Should().Contain("CUDA was not used", "Auto fell back from CUDA on this CPU-only host");
    }

    [Fact]
    public async Task HealthCheck_CorruptModel_IsUnhealthy()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("bad.onnx");
        await File.WriteAllBytesAsync(path, [1, 2, 3, 4]);
        var services = new ServiceCollection();
        services.AddMLOps().AddOnnxInference("bad", o =>
        {
            o.ModelPath = path;
            o.Model.ExecutionProvider = ExecutionProvider.Cpu;
        });
        await using var provider = services.BuildServiceProvider();

        var health = await new OnnxModelHealthCheck(provider, "bad").CheckHealthAsync(new HealthCheckContext());

        health.Status.Should().Be(HealthStatus.Unhealthy);
        health.Exception.Should().BeOfType<ModelLoadException>();
    }
}
