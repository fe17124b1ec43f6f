using System.Diagnostics;
using MLOps.Features.Online;

namespace MLOps.Features.Redis.Tests;

/// <summary>A server of its own, stopped mid-run and started again on the same port.</summary>
public sealed class RedisOutageTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(500);

    // What a loaded, shared 2-core machine may add on top of the timeout before the exception reaches the caller.
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(1000);
    private readonly RedisServerFixture _redis = new();

    public ValueTask InitializeAsync() => _redis.InitializeAsync();

    public ValueTask DisposeAsync() => _redis.DisposeAsync();

    [Fact]
    public async Task Outage_ServerStoppedMidRun_TransientErrorsWithinTimeoutThenReadsRecover()
    {
        _redis.SkipIfUnavailable();
        var ct = TestContext.Current.CancellationToken;
        var options = RedisTestViews.Options(_redis);
        options.OperationTimeout = Timeout;
        options.ConnectTimeout = TimeSpan.FromSeconds(1);
        await using var store = new RedisOnlineStore(options);
        var view = RedisTestViews.Drivers();
        await store.WriteBatchAsync(view, [new OnlineWriteRow([1L], [0.5f, 0.25f, 42L], T0)], ct);

        // A reader runs throughout; the server goes away under it.
        using var stop = new CancellationTokenSource();
        var outcomes = new List<(bool Ok, TimeSpan Took, Exception? Error)>();
        var firstSuccess = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var sw = Stopwatch.StartNew();
                try
                {
                    await store.ReadAsync(view, [[1L]], ["avg_daily_trips"], CancellationToken.None);
                    lock (outcomes)
                    {
                        outcomes.Add((true, sw.Elapsed, null));
                    }

                    firstSuccess.TrySetResult();
                }
                catch (Exception ex)
                {
                    lock (outcomes)
                    {
                        outcomes.Add((false, sw.Elapsed, ex));
                    }
                }
            }
        }, ct);
        await firstSuccess.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);

        await _redis.StopAsync();

        // Many callers at once while it is down: each fails, typed and transient, within the timeout; none blocks a thread.
        var during = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            var sw = Stopwatch.StartNew();
            var error = await Record.ExceptionAsync(async () =>
            {
                if (i % 2 == 0)
                {
                    await store.ReadAsync(view, [[1L], [2L]], ["avg_daily_trips"], CancellationToken.None);
                }
                else
                {
                    await store.WriteBatchAsync(view, [new OnlineWriteRow([(long)i], [0f, 0f, 1L], T0)], CancellationToken.None);
                }
            });
            return (Error: error, Took: sw.Elapsed);
        }));

        during.Should().AllSatisfy(static r =>
        {
            r.Error.Should().BeOfType<RedisOnlineStoreException>().Which.IsTransient.Should().BeTrue();
            r.Took.Should().BeLessThan(Timeout + Slack);
        });

        await _redis.RestartAsync();
        var recovered = Stopwatch.StartNew();
        OnlineFeatureValue[][]? after = null;
        while (after is null && recovered.Elapsed < TimeSpan.FromSeconds(20))
        {
            try
            {
                after = await store.ReadAsync(view, [[1L]], ["avg_daily_trips"], ct);
            }
            catch (RedisOnlineStoreException ex) when (ex.IsTransient)
            {
                await Task.Delay(50, ct); // polling with a bound while the client reconnects
            }
        }

        await stop.CancelAsync();
        await reader;

        after.Should().NotBeNull("reads recover once the server is back (it came back empty: persistence is off)");
        after![0][0].Status.Should().Be(FeatureStatus.NotFound);
        (await store.WriteBatchAsync(view, [new OnlineWriteRow([1L], [0.5f, 0.25f, 43L], T0)], ct)).Should().Be(1, "the write script is loaded again on the new server");
        (await store.ReadAsync(view, [[1L]], ["avg_daily_trips"], ct))[0][0].Value.Should().Be(43L);
        List<(bool Ok, TimeSpan Took, Exception? Error)> seen;
        lock (outcomes)
        {
            seen = [.. outcomes];
        }

        seen.Should().Contain(static o => !o.Ok, "the reader ran through the outage");
        seen.Where(static o => !o.Ok).Should().AllSatisfy(static o =>
        {
            o.Error.Should().BeOfType<RedisOnlineStoreException>().Which.IsTransient.Should().BeTrue();
            o.Took.Should().BeLessThan(Timeout + Slack);
        });
        seen[^1].Ok.Should().BeTrue("the background reader recovered too");
        TestContext.Current.SendDiagnosticMessage("Outage: {0} reads ok, {1} failed (max {2:0} ms); recovered {3:0} ms after restart.",
            seen.Count(static o => o.Ok), seen.Count(static o => !o.Ok), seen.Where(static o => !o.Ok).Max(static o => o.Took.TotalMilliseconds), recovered.Elapsed.TotalMilliseconds);
    }

    [Fact]
    public async Task Read_NothingListening_TransientErrorWithinTimeout()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = new RedisOnlineStoreOptions().Use("down", "127.0.0.1:1");
        options.OperationTimeout = Timeout;
        options.ConnectTimeout = TimeSpan.FromMilliseconds(300);
        await using var store = new RedisOnlineStore(options);
        var sw = Stopwatch.StartNew();

        var read = async () => await store.ReadAsync(RedisTestViews.Drivers(), [[1L]], ["avg_daily_trips"], ct);

        (await read.Should().ThrowAsync<RedisOnlineStoreException>()).Which.IsTransient.Should().BeTrue();
        sw.Elapsed.Should().BeLessThan(TimeSpan.FromMilliseconds(300) + Timeout + Slack);
    }
}
