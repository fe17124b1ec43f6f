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
    public async Task AddModelHost_Resolved_DeploysAndServesUnderItsName()
    {
        var services = new ServiceCollection();
        services.AddMLOps().AddModelHost("fraud", o =>
        {
            o.Model.ExecutionProvider = ExecutionProvider.Cpu;
            o.RequestTimeout = TimeSpan.FromSeconds(5);
        });
        await using var provider = services.BuildServiceProvider();
        var host = provider.GetRequiredKeyedService<MLOps.Inference.Hosting.ModelHost>("fraud");

        await host.DeployAsync(MLOps.Inference.Hosting.ModelSource.FromFile(TestAssets.File("mlp.onnx"), "1"));
        var answer = await host.InferAsync(Models.MlpRequest(9));

        answer.Result!.ModelName.Should().Be("fraud");
        Models.AssertMlpRows(answer.Result, 9);
    }

    [Fact]
    public async Task AddModelHost_BadOptions_FailValidation()
    {
        var services = new ServiceCollection();
        services.AddMLOps().AddModelHost("bad", o => o.MaxShadowInFlight = 0);
        await using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptionsMonitor<MLOps.Inference.Hosting.ModelHostOptions>>().Get("bad");

        act.Should().Throw<OptionsValidationException>().WithMessage("*MaxShadowInFlight is 0*");
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
