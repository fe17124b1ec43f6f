using Microsoft.Extensions.DependencyInjection;
using MLOps.Datasets;

namespace MLOps.Tracking.Tests;

/// <summary>
/// The training-loop example of src/MLOps.Tracking/README.md, compiled and run: params, per-epoch metrics, a dataset
/// and an artifact, then the best run. Keep the README snippet in step with <see cref="TrainAsync"/>.
/// </summary>
public sealed class TrainingLoopSample
{
    [Fact]
    public async Task TrainingLoop_LogsEverything_ThenFindsBestRun()
    {
        using var dir = new TempDirectory();
        var services = new ServiceCollection();
        services.AddMLOps(o => o.RootDirectory = dir.Path).AddLocalArtifactStore().AddTracking(o => o.UseSqlite(Path.Combine(dir.Path, "mlops.db")));
        await using var provider = services.BuildServiceProvider();
        var tracker = provider.GetRequiredService<Tracker>();
        var data = dir.WriteFile("data/train.csv", "amount,label\n12.5,0\n990.0,1\n");

        foreach (var lr in new[] { 0.1, 0.01, 0.001 })
        {
            await TrainAsync(tracker, data, lr);
        }

        var best = await tracker.FindBestRunAsync("fraud-detection-v2", "val_f1");
        best!.Params["lr"].Should().Be("0.01");
        best.Metrics["val_f1"].Step.Should().Be(4);
        best.Inputs.Single().Context.Should().Be("training");
        best.Info.Status.Should().Be(RunStatus.Finished);
    }

    // README snippet starts
    private static async Task TrainAsync(Tracker tracker, string dataPath, double lr)
    {
        await using var run = await tracker.StartRunAsync("fraud-detection-v2", $"lr-{lr}");
        run.LogParam("lr", lr);
        run.LogParam("epochs", 5);
        await run.LogInputAsync(await DatasetFingerprint.ComputeAsync(dataPath), context: "training");
        try
        {
            for (var epoch = 0; epoch < 5; epoch++)
            {
                var (loss, f1) = FakeEpoch(lr, epoch);   // your training step
                run.LogMetric("train_loss", loss, step: epoch);
                run.LogMetric("val_f1", f1, step: epoch);
            }

            await run.LogArtifactAsync(new MemoryStream("onnx bytes"u8.ToArray()), "model/model.onnx");
            await run.CompleteAsync();
        }
        catch (Exception ex)
        {
            await run.FailAsync(ex);
            throw;
        }
    }

    // README snippet ends
    private static (double Loss, double F1) FakeEpoch(double lr, int epoch) =>
        (1.0 / (epoch + 1), 0.5 + (epoch * 0.05) - Math.Abs(Math.Log10(lr) + 2) * 0.1);
}
