using Microsoft.Extensions.Time.Testing;
using MLOps.Artifacts;
using MLOps.Inference.Hosting;
using MLOps.TestKit;

namespace MLOps.Inference.Tests;

public sealed class ModelHostTests
{
    private static readonly double[][] V2Expected = TestAssets.ReadCsv("mlp_v2_expected.csv");
    private static readonly ModelSource V1 = ModelSource.FromFile(TestAssets.File("mlp.onnx"), "1");
    private static readonly ModelSource V2 = ModelSource.FromFile(TestAssets.File("mlp_v2.onnx"), "2");
    private static readonly ModelSource Throws = ModelSource.FromFile(TestAssets.File("mlp_throws.onnx"), "3");

    private static ModelHostOptions Options(Action<ModelHostOptions>? configure = null)
    {
        var options = new ModelHostOptions();
        options.Model.ExecutionProvider = ExecutionProvider.Cpu;
        options.Batching.MaxBatchSize = 16;
        configure?.Invoke(options);
        return options;
    }

    /// <summary>Asserts the outputs are exactly those of the version the result names.</summary>
    private static void AssertFromVersion(InferenceResult result, int row)
    {
        var expected = result.ModelVersion switch
        {
            "1" => Models.MlpExpected[row % 64],
            "2" => V2Expected[row % 64],
            var other => throw new InvalidOperationException($"unexpected version {other}"),
        };
        var p = result.Get<float>("probabilities");
        ((double)p[0]).Should().BeApproximately(expected[0], Models.Tolerance);
        ((double)p[1]).Should().BeApproximately(expected[1], Models.Tolerance);
    }

    [Fact]
    public async Task DeployAsync_ThenInfer_ServesThatVersion()
    {
        await using var host = new ModelHost("fraud", Options());

        await host.DeployAsync(V1);
        var answer = await host.InferAsync(Models.MlpRequest(7));

        answer.ServedBy.Should().Be(ServedBy.Active);
        answer.Version.Should().Be("1");
        answer.Result!.ModelName.Should().Be("fraud");
        Models.AssertMlpRows(answer.Result, 7);
    }

    [Fact]
    public async Task DeployAsync_TwentySwapsUnder32Callers_NoFailuresAndEachAnswerFromOneVersion()
    {
        await using var host = new ModelHost("fraud", Options());
        await host.DeployAsync(V1);
        using var stop = new CancellationTokenSource();
        using var answered = new SemaphoreSlim(0);
        var answers = new long[3];

        var callers = Enumerable.Range(0, 32).Select(caller => Task.Run(async () =>
        {
            var row = caller;
            while (!stop.IsCancellationRequested)
            {
                var answer = await host.InferAsync(Models.MlpRequest(row));
                answer.ServedBy.Should().Be(ServedBy.Active, answer.Detail);
                AssertFromVersion(answer.Result!, row);
                Interlocked.Increment(ref answers[int.Parse(answer.Version!)]);
                answered.Release();
                row += 32;
            }
        })).ToArray();

        for (var swap = 0; swap < 20; swap++)
        {
            // Let 32 answers through on the current version, so every swap happens under load.
            for (var i = 0; i < 32; i++)
            {
                (await answered.WaitAsync(TimeSpan.FromSeconds(30))).Should().BeTrue();
            }

            await host.DeployAsync(swap % 2 == 0 ? V2 : V1);
            host.ActiveVersion.Should().Be(swap % 2 == 0 ? "2" : "1");
        }

        await stop.CancelAsync();
        await Task.WhenAll(callers);
        answers[1].Should().BeGreaterThan(0);
        answers[2].Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task RollbackAsync_AfterDeploy_ServesPreviousVersionAgain()
    {
        await using var host = new ModelHost("fraud", Options());
        await host.DeployAsync(V1);
        await host.DeployAsync(V2);

        (await host.RollbackAsync()).Should().BeTrue();

        host.ActiveVersion.Should().Be("1");
        host.PreviousVersion.Should().Be("2");
        var answer = await host.InferAsync(Models.MlpRequest(3));
        answer.Version.Should().Be("1");
        Models.AssertMlpRows(answer.Result!, 3);
    }

    [Fact]
    public async Task DeployAsync_TamperedArtifact_FailsWithIntegrityAndKeepsServing()
    {
        using var temp = new TempDirectory();
        var store = new LocalArtifactStore(temp.Path);
        await store.PutAsync("models/fraud/1.onnx", File.OpenRead(TestAssets.File("mlp.onnx")));
        var v2 = await store.PutAsync("models/fraud/2.onnx", File.OpenRead(TestAssets.File("mlp_v2.onnx")));
        var blob = Directory.GetFiles(temp.Combine("blobs"), v2.Sha256, SearchOption.AllDirectories).Single();
        await using (var tamper = new FileStream(blob, FileMode.Open, FileAccess.Write))
        {
            tamper.Position = 600; // inside the weights: still a loadable model, but not the stored one
            tamper.WriteByte(0x42);
        }

        await using var host = new ModelHost("fraud", Options());
        await host.DeployAsync(ModelSource.FromArtifact(store, "models/fraud/1.onnx", "1"));

        var act = () => host.DeployAsync(ModelSource.FromArtifact(store, "models/fraud/2.onnx", "2"));

        var thrown = (await act.Should().ThrowAsync<ModelDeploymentException>()).Which;
        thrown.Kind.Should().Be(DeploymentFailureKind.Integrity);
        thrown.InnerException.Should().BeOfType<ArtifactIntegrityException>().Which.ExpectedSha256.Should().Be(v2.Sha256);
        host.ActiveVersion.Should().Be("1");
        Models.AssertMlpRows((await host.InferAsync(Models.MlpRequest(0))).Result!, 0);
    }

    [Fact]
    public async Task DeployAsync_ModelThatFailsWarmUp_IsRefusedAndCurrentKeepsServing()
    {
        await using var host = new ModelHost("fraud", Options());
        await host.DeployAsync(V1);

        var act = () => host.DeployAsync(Throws);

        (await act.Should().ThrowAsync<ModelDeploymentException>()).Which.Kind.Should().Be(DeploymentFailureKind.Invalid);
        host.ActiveVersion.Should().Be("1");
    }

    [Fact]
    public async Task InferAsync_ActiveModelThrows_PreviousVersionAnswersWithReason()
    {
        // Without warm-up the failing model gets deployed, so the failure shows at request time.
        await using var host = new ModelHost("fraud", Options(o => o.Model.WarmupRuns = 0));
        await host.DeployAsync(V1);
        await host.DeployAsync(Throws);

        var answer = await host.InferAsync(Models.MlpRequest(5));

        answer.ServedBy.Should().Be(ServedBy.PreviousVersion);
        answer.Reason.Should().Be(FallbackReason.ModelFailed);
        answer.Version.Should().Be("1");
        Models.AssertMlpRows(answer.Result!, 5);
    }

    [Fact]
    public async Task InferAsync_Timeout_RuleBasedAnswersWithReason()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        var ruled = new InferenceResult([new("probabilities", InferenceTensor.Create<float>(new float[] { 0.5f, 0.5f }, 1, 2))], "rules", "r1");
        var options = Options(o =>
        {
            o.Batching.MaxQueueDelay = TimeSpan.FromHours(1); // the model never gets to run
            o.RequestTimeout = TimeSpan.FromMilliseconds(50);
            o.KeepPreviousVersion = false;
            o.RuleBasedFallback = _ => ruled;
        });
        await using var host = new ModelHost("fraud", options, time);
        await host.DeployAsync(V1);

        var pending = host.InferAsync(Models.MlpRequest(0)).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(50));
        var answer = await pending.WaitAsync(TimeSpan.FromSeconds(30));

        answer.ServedBy.Should().Be(ServedBy.RuleBased);
        answer.Reason.Should().Be(FallbackReason.Timeout);
        answer.Result.Should().BeSameAs(ruled);
    }

    [Fact]
    public async Task InferAsync_NothingLoadedAndNoRules_GivesGracefulNoAnswer()
    {
        await using var host = new ModelHost("fraud", Options());
        var act = () => host.DeployAsync(ModelSource.FromFile("/nonexistent/model.onnx", "1"));
        (await act.Should().ThrowAsync<ModelDeploymentException>()).Which.Kind.Should().Be(DeploymentFailureKind.Unreadable);

        var answer = await host.InferAsync(Models.MlpRequest(0));

        answer.HasAnswer.Should().BeFalse();
        answer.ServedBy.Should().Be(ServedBy.NoAnswer);
        answer.Reason.Should().Be(FallbackReason.NotLoaded);
    }

    [Fact]
    public async Task Degrade_ExternalSignal_RoutesToPreviousVersionUntilRecover()
    {
        await using var host = new ModelHost("fraud", Options());
        await host.DeployAsync(V1);
        await host.DeployAsync(V2);

        host.Degrade("drift: CRITICAL on amount");
        var degraded = await host.InferAsync(Models.MlpRequest(2));
        host.Recover();
        var recovered = await host.InferAsync(Models.MlpRequest(2));

        degraded.ServedBy.Should().Be(ServedBy.PreviousVersion);
        degraded.Reason.Should().Be(FallbackReason.ExternalSignal);
        degraded.Detail.Should().Be("drift: CRITICAL on amount");
        degraded.Version.Should().Be("1");
        recovered.Version.Should().Be("2");
        AssertFromVersion(recovered.Result!, 2);
    }

    [Fact]
    public async Task InferAsync_InvalidInput_IsThrownNotHiddenByFallback()
    {
        await using var host = new ModelHost("fraud", Options());
        await host.DeployAsync(V1);

        var act = async () => await host.InferAsync(new InferenceRequest("input", InferenceTensor.Create<float>(new float[3], 1, 3)));

        await act.Should().ThrowAsync<InvalidInferenceInputException>();
    }

    [Fact]
    public async Task StartCanaryAsync_ThirtyPercent_IsStickyByKeyAndNearTheShare()
    {
        await using var host = new ModelHost("fraud", Options());
        await host.DeployAsync(V1);
        await host.StartCanaryAsync(V2, 0.3);
        var first = new Dictionary<string, string>();

        for (var i = 0; i < 2000; i++)
        {
            var key = "customer-" + i;
            var answer = await host.InferAsync(Models.MlpRequest(i), key);
            AssertFromVersion(answer.Result!, i);
            first[key] = answer.Version!;
            answer.ServedBy.Should().Be(answer.Version == "2" ? ServedBy.Canary : ServedBy.Active);
        }

        for (var i = 0; i < 200; i++)
        {
            var key = "customer-" + i;
            (await host.InferAsync(Models.MlpRequest(i), key)).Version.Should().Be(first[key], "a key stays on its side of the split");
        }

        first.Values.Count(v => v == "2").Should().BeInRange(500, 700, "about 30% of 2000 keys");
    }

    [Fact]
    public async Task StartShadowAsync_MirrorsAndComparesButCallersSeeActiveOnly()
    {
        await using var host = new ModelHost("fraud", Options());
        await host.DeployAsync(V1);
        await host.StartShadowAsync(V2);

        for (var i = 0; i < 64; i++)
        {
            var answer = await host.InferAsync(Models.MlpRequest(i));
            answer.Version.Should().Be("1");
        }

        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (host.Shadow.Compared + host.Shadow.Failed + host.Shadow.Skipped < 64)
        {
            await Task.Delay(10, bound.Token); // poll with a bound: mirrored requests finish on their own
        }

        var stats = host.Shadow;
        stats.Should().Match<ShadowStatistics>(s => s.Compared == 64 && s.Failed == 0 && s.Skipped == 0, "callers went one at a time");
        stats.Mismatched.Should().Be(64, "version 2 has other weights");
        // The largest difference is the one between the two float64 references (within float32 error).
        var expectedMax = Enumerable.Range(0, 64)
            .Max(r => Math.Max(Math.Abs(Models.MlpExpected[r][0] - V2Expected[r][0]), Math.Abs(Models.MlpExpected[r][1] - V2Expected[r][1])));
        stats.MaxAbsoluteDifference.Should().BeApproximately(expectedMax, 1e-5);
    }
}
