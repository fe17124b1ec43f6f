using MLOps.TestKit;

namespace MLOps.Inference.Tests;

public sealed class BatcherSoakTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    public async Task InferAsync_MlnetModel64CallersRealClock_AllComplete(int delayMicroseconds)
    {
        using var model = OnnxModel.Load(TestAssets.File("mlnet_fraud.onnx"), new OnnxModelOptions { ExecutionProvider = ExecutionProvider.Cpu });
        await using var batcher = new DynamicBatcher(model, new DynamicBatcherOptions { MaxBatchSize = 32, MaxQueueDelay = TimeSpan.FromMicroseconds(delayMicroseconds) });

        var run = Parallel.ForAsync(0, 2_000, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
        {
            var request = new InferenceRequest(new[] { "amount", "hour", "distance", "velocity" }.Select(n =>
                new KeyValuePair<string, InferenceTensor>(n, InferenceTensor.Create<float>(new[] { (float)i }, 1, 1))));
            await batcher.InferAsync(request, cancellationToken: ct);
        });
        await run.WaitAsync(TimeSpan.FromSeconds(60));

        batcher.Statistics.Requests.Should().Be(2_000);
    }
}
