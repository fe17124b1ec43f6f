using Microsoft.Extensions.DependencyInjection;
using MLOps.Tracking;

namespace MLOps.Mlflow.Tests;

/// <summary>The standard resilience handler that AddMlflow configures, on fake time.</summary>
public sealed class ResilienceTests
{
    [Fact]
    public async Task Call_503ThenSuccess_RetriedAndSucceeds()
    {
        await using var h = new DiHarness();
        h.Server.Faults.Enqueue(new Fault(503, "{\"error_code\":\"TEMPORARILY_UNAVAILABLE\",\"message\":\"down\"}"));
        h.Server.Faults.Enqueue(new Fault(502, "bad gateway"));

        var experiment = await h.DriveAsync(h.Client.GetExperimentAsync("0"), TimeSpan.FromSeconds(1));

        experiment.Name.Should().Be("Default");
        h.Server.RequestsTo("/api/2.0/mlflow/experiments/get").Should().HaveCount(3);
    }

    [Fact]
    public async Task Call_429WithRetryAfter_WaitsAtLeastRetryAfterThenSucceeds()
    {
        await using var h = new DiHarness(o => o.RetryBaseDelay = TimeSpan.FromMilliseconds(10));
        h.Server.Faults.Enqueue(new Fault(429, "{\"error_code\":\"REQUEST_LIMIT_EXCEEDED\",\"message\":\"slow down\"}", RetryAfter: "7"));

        var experiment = await h.DriveAsync(h.Client.GetExperimentAsync("0"), TimeSpan.FromSeconds(1));

        experiment.ExperimentId.Should().Be("0");
        var seen = h.Server.RequestsTo("/api/2.0/mlflow/experiments/get");
        seen.Should().HaveCount(2);
        (seen[1].At - seen[0].At).Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(7), "Retry-After: 7 outranks the 10 ms backoff");
    }

    [Fact]
    public async Task Call_PersistentOutage_GivesUpAfterMaxRetriesAsTransient()
    {
        await using var h = new DiHarness(o => o.MaxRetries = 2);
        h.Server.Outage = static () => true;

        var act = () => h.DriveAsync(h.Client.GetExperimentAsync("0"), TimeSpan.FromSeconds(5));

        var ex = (await act.Should().ThrowAsync<MlflowException>()).Which;
        ex.IsTransient.Should().BeTrue();
        ex.ErrorCode.Should().Be("TEMPORARILY_UNAVAILABLE");
        h.Server.RequestsTo("/api/2.0/mlflow/experiments/get").Should().HaveCount(3, "one attempt and two retries");
    }

    [Fact]
    public async Task Call_400_NotRetried()
    {
        await using var h = new DiHarness();
        var act = () => h.DriveAsync(h.Client.CreateExperimentAsync("Default"), TimeSpan.FromSeconds(1));

        (await act.Should().ThrowAsync<MlflowException>()).Which.ErrorCode.Should().Be(MlflowErrorCode.ResourceAlreadyExists);
        h.Server.RequestsTo("/api/2.0/mlflow/experiments/create").Should().HaveCount(1);
    }

    [Fact]
    public async Task Call_SlowFirstAttempt_AttemptTimeoutThenRetrySucceeds()
    {
        await using var h = new DiHarness(o =>
        {
            o.AttemptTimeout = TimeSpan.FromSeconds(5);
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(10);
        });
        h.Server.Faults.Enqueue(new Fault(0, string.Empty, DelayMs: 3000));

        var experiment = await h.DriveAsync(h.Client.GetExperimentAsync("0"), TimeSpan.FromSeconds(1));

        experiment.Name.Should().Be("Default");
        h.Server.RequestsTo("/api/2.0/mlflow/experiments/get").Should().HaveCount(2, "the first attempt timed out on fake time and was retried");
    }
}
