using System.Diagnostics.Metrics;
using Microsoft.Extensions.Time.Testing;

namespace MLOps.Inference.Tests;

public sealed class DynamicBatcherTests : IDisposable
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private readonly OnnxModel _mlp = Models.LoadMlp();

    public void Dispose() => _mlp.Dispose();

    public static TheoryData<int[], int, int, int> Configurations() => new()
    {
        // preferred sizes, max queue delay (µs), priority levels, instances
        { [], 0, 1, 1 },
        { [], 0, 1, 4 },
        { [4, 8], 0, 1, 2 },
        { [16], 200, 1, 1 },
        { [], 500, 2, 2 },
        { [2, 32], 100, 3, 3 },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task InferAsync_64ConcurrentCallers_EachGetsItsOwnRows(int[] preferred, int delayMicroseconds, int levels, int instances)
    {
        var options = new DynamicBatcherOptions
        {
            MaxBatchSize = 32,
            MaxQueueDelay = TimeSpan.FromMicroseconds(delayMicroseconds),
            PriorityLevels = levels,
            InstanceCount = instances,
        };
        foreach (var size in preferred)
        {
            options.PreferredBatchSizes.Add(size);
        }

        await using var batcher = new DynamicBatcher(_mlp, options);
        using var start = new ManualResetEventSlim();

        var callers = Enumerable.Range(0, 128).Select(i => Task.Run(async () =>
        {
            start.Wait();
            var rows = 1 + (i % 3); // 1 to 3 rows each: batches mix request sizes
            var result = await batcher.InferAsync(Models.MlpRequest(i, rows), priority: 1 + (i % levels));
            Models.AssertMlpRows(result, i, rows);
            result.BatchRows.Should().BeInRange(rows, 32);
        })).ToArray();
        start.Set();
        await Task.WhenAll(callers);

        var stats = batcher.Statistics;
        stats.Requests.Should().Be(128);
        stats.Rows.Should().Be(Enumerable.Range(0, 128).Sum(i => 1 + (i % 3)));
        stats.Executions.Should().BeLessThanOrEqualTo(128);
    }

    [Fact]
    public async Task InferAsync_BelowPreferredSize_WaitsForDelayThenSendsTogether()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        var options = new DynamicBatcherOptions { MaxBatchSize = 8, MaxQueueDelay = TimeSpan.FromMilliseconds(10) };
        await using var batcher = new DynamicBatcher(_mlp, options, time);

        var parked = new ParkWatcher(batcher);
        var first = batcher.InferAsync(Models.MlpRequest(0)).AsTask();
        var second = batcher.InferAsync(Models.MlpRequest(1)).AsTask();
        var third = batcher.InferAsync(Models.MlpRequest(2)).AsTask();
        await parked.ParkedOnTimerAsync(3); // all three queued, the worker waits for the delay

        first.IsCompleted.Should().BeFalse();
        time.Advance(TimeSpan.FromMilliseconds(10));
        var results = await Task.WhenAll(first, second, third);

        results.Should().OnlyContain(r => r.BatchRows == 3);
        results[0].QueueTime.Should().Be(TimeSpan.FromMilliseconds(10));
        batcher.Statistics.Executions.Should().Be(1);
        for (var i = 0; i < 3; i++)
        {
            Models.AssertMlpRows(results[i], i);
        }
    }

    [Fact]
    public async Task InferAsync_ClockMovesBetweenReadings_WorkerWaitsForTheRestAndSurvives()
    {
        // Every clock reading advances 6 ms, so two readings in one decision disagree about the 10 ms delay:
        // the wait must come from the reading the decision used (a second reading would make it negative).
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero)) { AutoAdvanceAmount = TimeSpan.FromMilliseconds(6) };
        await using var batcher = new DynamicBatcher(_mlp, new DynamicBatcherOptions { MaxBatchSize = 8, MaxQueueDelay = TimeSpan.FromMilliseconds(10) }, time);
        var parked = new ParkWatcher(batcher);

        var request = batcher.InferAsync(Models.MlpRequest(4)).AsTask();
        await parked.ParkedOnTimerAsync(1);
        time.Advance(Hour);

        Models.AssertMlpRows(await request.WaitAsync(TimeSpan.FromSeconds(30)), 4);
    }

    [Fact]
    public async Task InferAsync_PreferredSizeReached_SendsAtOnceWithoutWaitingForDelay()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        var options = new DynamicBatcherOptions { MaxBatchSize = 16, MaxQueueDelay = Hour };
        options.PreferredBatchSizes.Add(4);
        await using var batcher = new DynamicBatcher(_mlp, options, time);

        var tasks = Enumerable.Range(0, 4).Select(i => batcher.InferAsync(Models.MlpRequest(i)).AsTask()).ToArray();
        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));

        results.Should().OnlyContain(r => r.BatchRows == 4);
        batcher.Statistics.Executions.Should().Be(1);
    }

    [Fact]
    public async Task InferAsync_HigherPriority_IsServedBeforeEarlierLowerPriority()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        var options = new DynamicBatcherOptions { MaxBatchSize = 2, MaxQueueDelay = Hour, PriorityLevels = 2, DefaultPriorityLevel = 2 };
        await using var batcher = new DynamicBatcher(_mlp, options, time);

        var parked = new ParkWatcher(batcher);
        var low = batcher.InferAsync(Models.MlpRequest(0)).AsTask();
        await parked.ParkedOnTimerAsync(1);
        var high = batcher.InferAsync(Models.MlpRequest(1, count: 2), priority: 1).AsTask();
        var highResult = await high.WaitAsync(TimeSpan.FromSeconds(30));

        highResult.BatchRows.Should().Be(2, "the level-1 request filled a batch by itself");
        Models.AssertMlpRows(highResult, 1, 2);
        low.IsCompleted.Should().BeFalse("the earlier level-2 request was passed over");
        await parked.ParkedOnTimerAsync(1);
        time.Advance(Hour);
        Models.AssertMlpRows(await low, 0);
    }

    [Fact]
    public async Task InferAsync_DifferentInnerShapes_AreGroupedIntoSeparateBatches()
    {
        using var model = OnnxModel.Load(MLOps.TestKit.TestAssets.File("seq_mean.onnx"), new OnnxModelOptions { ExecutionProvider = ExecutionProvider.Cpu });
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        var options = new DynamicBatcherOptions { MaxBatchSize = 8, MaxQueueDelay = Hour };
        options.PreferredBatchSizes.Add(2);
        await using var batcher = new DynamicBatcher(model, options, time);
        // Requests alternate between sequence lengths 3 and 5; each pair of equal length fills a preferred batch.
        var inputs = new[] { 3, 5, 3, 5 }.Select((seq, i) => Enumerable.Range(0, seq * 4).Select(k => (float)((i * 100) + k)).ToArray()).ToArray();

        var tasks = inputs.Select(data => batcher.InferAsync(
            new InferenceRequest("input", InferenceTensor.Create<float>(data, 1, data.Length / 4, 4))).AsTask()).ToArray();
        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));

        batcher.Statistics.Executions.Should().Be(2);
        for (var i = 0; i < inputs.Length; i++)
        {
            results[i].BatchRows.Should().Be(2);
            var seq = inputs[i].Length / 4;
            var mean = results[i].Get<float>("mean");
            for (var f = 0; f < 4; f++)
            {
                var expected = Enumerable.Range(0, seq).Average(t => (double)inputs[i][(t * 4) + f]);
                ((double)mean[f]).Should().BeApproximately(expected, 1e-4);
            }
        }
    }

    [Fact]
    public async Task InferAsync_QueueTimeout_RemovesRequestWithTypedError()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        var options = new DynamicBatcherOptions { MaxBatchSize = 8, MaxQueueDelay = Hour, DefaultQueueTimeout = TimeSpan.FromMilliseconds(5) };
        await using var batcher = new DynamicBatcher(_mlp, options, time);

        var request = batcher.InferAsync(Models.MlpRequest(0)).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(5));

        var thrown = (await request.Awaiting(r => r).Should().ThrowAsync<QueueTimeoutException>()).Which;
        thrown.Timeout.Should().Be(TimeSpan.FromMilliseconds(5));
        thrown.IsTransient.Should().BeTrue();
        batcher.QueueDepth.Should().Be(0);
        batcher.Statistics.TimedOut.Should().Be(1);
    }

    [Fact]
    public async Task InferAsync_CancelledWhileQueued_IsRemoved()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        await using var batcher = new DynamicBatcher(_mlp, new DynamicBatcherOptions { MaxQueueDelay = Hour }, time);
        using var cts = new CancellationTokenSource();

        var request = batcher.InferAsync(Models.MlpRequest(0), cancellationToken: cts.Token).AsTask();
        await cts.CancelAsync();

        await request.Awaiting(r => r).Should().ThrowAsync<OperationCanceledException>();
        batcher.QueueDepth.Should().Be(0);
    }

    [Fact]
    public async Task InferAsync_QueueFull_RejectsAtOnce()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        await using var batcher = new DynamicBatcher(_mlp, new DynamicBatcherOptions { MaxQueueSize = 2, MaxQueueDelay = Hour }, time);
        var parked = new ParkWatcher(batcher);
        var queued = new[] { batcher.InferAsync(Models.MlpRequest(0)).AsTask(), batcher.InferAsync(Models.MlpRequest(1)).AsTask() };

        var act = () => batcher.InferAsync(Models.MlpRequest(2));

        act.Should().Throw<QueueFullException>().Which.Capacity.Should().Be(2);
        batcher.Statistics.Rejected.Should().Be(1);
        await parked.ParkedOnTimerAsync(2);
        time.Advance(Hour);
        (await Task.WhenAll(queued)).Should().HaveCount(2);
    }

    [Fact]
    public async Task DisposeAsync_DrainsQueuedRequestsAndRefusesNewOnes()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        var batcher = new DynamicBatcher(_mlp, new DynamicBatcherOptions { MaxQueueDelay = Hour }, time);
        var queued = Enumerable.Range(0, 5).Select(i => batcher.InferAsync(Models.MlpRequest(i)).AsTask()).ToArray();

        await batcher.DisposeAsync();

        var results = await Task.WhenAll(queued);
        for (var i = 0; i < 5; i++)
        {
            Models.AssertMlpRows(results[i], i);
        }

        var act = () => batcher.InferAsync(Models.MlpRequest(0));
        act.Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public async Task InferAsync_BadInputAmongGoodOnes_FailsAlone()
    {
        await using var batcher = new DynamicBatcher(_mlp, new DynamicBatcherOptions { MaxQueueDelay = TimeSpan.FromMilliseconds(1) });

        var good = Enumerable.Range(0, 16).Select(i => batcher.InferAsync(Models.MlpRequest(i)).AsTask()).ToArray();
        var bad = () => batcher.InferAsync(new InferenceRequest("input", InferenceTensor.Create<float>(new float[31], 1, 31)));

        bad.Should().Throw<InvalidInferenceInputException>().Which.Expected.Should().Be("input: Float[?,32]");
        var results = await Task.WhenAll(good);
        for (var i = 0; i < 16; i++)
        {
            Models.AssertMlpRows(results[i], i);
        }
    }

    [Fact]
    public async Task InferAsync_RequestThatOrtRejectsInsideABatch_OnlyThatRequestFails()
    {
        using var model = Models.LoadTwoInputs();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        var options = new DynamicBatcherOptions { MaxBatchSize = 8, MaxQueueDelay = Hour };
        options.PreferredBatchSizes.Add(4);
        await using var batcher = new DynamicBatcher(model, options, time);

        // Category 42 passes validation (an int64 [1,1]) but Gather fails on it inside ONNX Runtime.
        var tasks = new[] { 1L, 2L, 42L, 3L }.Select(category => batcher.InferAsync(new InferenceRequest(new Dictionary<string, InferenceTensor>
        {
            ["features"] = InferenceTensor.Create<float>(new float[8], 1, 8),
            ["category"] = InferenceTensor.Create<long>(new[] { category }, 1, 1),
        })).AsTask()).ToArray();

        await tasks[2].Awaiting(t => t).Should().ThrowAsync<InferenceFailedException>();
        foreach (var i in new[] { 0, 1, 3 })
        {
            (await tasks[i]).BatchRows.Should().Be(1, "after the batch failed each request was rerun alone");
        }

        batcher.Statistics.Executions.Should().Be(1);
    }

    [Fact]
    public async Task InferAsync_TooManyRows_IsRejectedBeforeQueuing()
    {
        await using var batcher = new DynamicBatcher(_mlp, new DynamicBatcherOptions { MaxBatchSize = 8 });

        var act = () => batcher.InferAsync(Models.MlpRequest(0, count: 9));

        act.Should().Throw<InvalidInferenceInputException>().WithMessage("*9 rows, more than MaxBatchSize (8)*");
    }

    [Fact]
    public async Task InferAsync_TenTimesCapacity_RejectsExcessCompletesAcceptedWithoutDeadlock()
    {
        var options = new DynamicBatcherOptions { MaxBatchSize = 16, MaxQueueSize = 64, InstanceCount = 2 };
        await using var batcher = new DynamicBatcher(_mlp, options);
        var accepted = new List<(int Index, Task<InferenceResult> Task)>();
        var rejected = 0;

        for (var i = 0; i < 20_000; i++)
        {
            try
            {
                accepted.Add((i, batcher.InferAsync(Models.MlpRequest(i)).AsTask()));
            }
            catch (QueueFullException)
            {
                rejected++;
            }

            batcher.QueueDepth.Should().BeLessThanOrEqualTo(64);
        }

        await Task.WhenAll(accepted.Select(a => a.Task)).WaitAsync(TimeSpan.FromSeconds(60));
        foreach (var (index, task) in accepted)
        {
            Models.AssertMlpRows(await task, index);
        }

        rejected.Should().BeGreaterThan(0);
        batcher.Statistics.Rejected.Should().Be(rejected);
        batcher.QueueDepth.Should().Be(0);
    }

    [Fact]
    public async Task InferAsync_Metrics_RecordBatchSizeQueueTimeAndRejections()
    {
        var name = "metrics-" + Guid.NewGuid().ToString("N");
        using var model = Models.LoadMlp(new OnnxModelOptions { ExecutionProvider = ExecutionProvider.Cpu, Name = name });
        var measurements = new System.Collections.Concurrent.ConcurrentQueue<(string Instrument, double Value, string? Error)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "MLOps.Inference")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? model = null, error = null;
            foreach (var (key, tagValue) in tags)
            {
                model = key == "mlops.model.name" ? tagValue as string : model;
                error = key == "error.type" ? tagValue as string : error;
            }

            if (model == name)
            {
                measurements.Enqueue((instrument.Name, value, error));
            }
        }

        listener.SetMeasurementEventCallback<int>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        var options = new DynamicBatcherOptions { MaxBatchSize = 8, MaxQueueDelay = Hour };
        options.PreferredBatchSizes.Add(3);
        await using var batcher = new DynamicBatcher(model, options, time);

        await Task.WhenAll(Enumerable.Range(0, 3).Select(i => batcher.InferAsync(Models.MlpRequest(i)).AsTask()));
        var invalid = () => batcher.InferAsync(Models.MlpRequest(0, count: 9));
        invalid.Should().Throw<InvalidInferenceInputException>();

        measurements.Where(m => m.Instrument == "mlops.inference.batch.size").Select(m => m.Value).Should().Equal(3);
        measurements.Where(m => m.Instrument == "mlops.inference.queue.duration").Should().HaveCount(3);
        measurements.Where(m => m.Instrument == "mlops.inference.requests.rejected").Should().ContainSingle().Which.Error.Should().Be("invalid");
    }

    [Fact]
    public void Constructor_InvalidOptions_ListsEveryProblem()
    {
        var options = new DynamicBatcherOptions { MaxBatchSize = 8, MaxQueueSize = 0, DefaultPriorityLevel = 3 };
        options.PreferredBatchSizes.Add(16);

        var act = () => new DynamicBatcher(_mlp, options);

        act.Should().Throw<ArgumentException>()
            .WithMessage("*PreferredBatchSizes contains 16*")
            .WithMessage("*MaxQueueSize is 0*")
            .WithMessage("*DefaultPriorityLevel is 3*");
    }
}
