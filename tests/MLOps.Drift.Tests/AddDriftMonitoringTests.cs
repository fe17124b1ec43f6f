using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MLOps.Drift.Tests;

/// <summary>DI registration of named monitors.</summary>
public sealed class AddDriftMonitoringTests
{
    private static ReferenceProfile Profile() =>
        ReferenceProfile.Create([new("x", ColumnSample.Numerical([.. Enumerable.Range(0, 100).Select(i => (double)i)]))]);

    [Fact]
    public async Task AddDriftMonitoring_NamedMonitors_ResolveAsKeyedSingletons()
    {
        using var temp = new TempDirectory();
        string path = temp.WriteFile("profile.json", Profile().ToJson());
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddMLOps()
            .AddDriftMonitoring("fraud", o => { o.Reference = Profile(); o.WindowRows = 10; })
            .AddDriftMonitoring("churn", o => { o.ReferenceProfilePath = path; o.WindowKind = DriftWindowKind.Time; o.WindowDuration = TimeSpan.FromMinutes(5); })
            .AddDriftMonitoring("fraud", o => o.SampleSize = 50);
        await using ServiceProvider provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();

        DriftMonitor fraud = provider.GetRequiredKeyedService<DriftMonitor>("fraud");
        DriftMonitor churn = provider.GetRequiredKeyedService<DriftMonitor>("churn");
        fraud.Should().BeSameAs(provider.GetRequiredKeyedService<DriftMonitor>("fraud"));
        fraud.Name.Should().Be("fraud");
        churn.Reference.Columns[0].Name.Should().Be("x");

        var windows = new List<DriftWindowResult>();
        churn.WindowClosed += (_, e) => windows.Add(e.Result);
        churn.Observe([50.0]);
        time.Advance(TimeSpan.FromMinutes(5));
        windows.Should().ContainSingle().Which.End.Should().Be(time.GetUtcNow(), "the registered TimeProvider drives the windows");
        for (int i = 0; i < 10; i++)
        {
            fraud.Observe([i]);
        }

        fraud.LastWindow!.Rows.Should().Be(10);
    }

    [Fact]
    public async Task AddDriftMonitoring_InvalidOptions_FailAtStartWithEveryProblem()
    {
        var services = new ServiceCollection();
        services.AddMLOps().AddDriftMonitoring(o => { o.ReferenceProfilePath = "/nonexistent/profile.json"; o.WindowRows = 0; });
        await using ServiceProvider provider = services.BuildServiceProvider();
        Action start = () => provider.GetRequiredService<IStartupValidator>().Validate();
        start.Should().Throw<OptionsValidationException>()
            .Where(e => e.Message.Contains("'default'") && e.Message.Contains("WindowRows is 0") && e.Message.Contains("does not exist"));
    }
}
