using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MLOps.Tracking.Sqlite;

namespace MLOps.Tracking.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public async Task AddTracking_UseSqlite_ResolvesTrackerOverThatFile_WithArtifacts()
    {
        using var dir = new TempDirectory();
        var db = dir.Combine("mlops.db");
        var services = new ServiceCollection();
        services.AddMLOps(o => o.RootDirectory = dir.Path).AddLocalArtifactStore().AddTracking(o => o.UseSqlite(db)).AddTracking();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        var tracker = provider.GetRequiredService<Tracker>();
        tracker.Store.Should().BeOfType<SqliteTrackingStore>().Which.DatabasePath.Should().Be(db);
        tracker.Artifacts.Should().NotBeNull();
        File.Exists(db).Should().BeTrue();
        provider.GetServices<ITrackingStore>().Should().ContainSingle("AddTracking is safe to call twice");
    }

    [Fact]
    public async Task AddTracking_NoPath_DefaultsToRootDirectory()
    {
        using var dir = new TempDirectory();
        var services = new ServiceCollection();
        services.AddMLOps(o => o.RootDirectory = dir.Path).AddTracking();
        await using var provider = services.BuildServiceProvider();

        ((SqliteTrackingStore)provider.GetRequiredService<ITrackingStore>()).DatabasePath.Should().Be(Path.Combine(dir.Path, "tracking.db"));
    }

    [Fact]
    public async Task AddTracking_InvalidOptions_FailValidationNamingEachProblem()
    {
        var services = new ServiceCollection();
        services.AddMLOps().AddTracking(o =>
        {
            o.UseSqlite(" ");
            o.Tracker.FlushBatchSize = 0;
            o.Sqlite.BusyTimeout = TimeSpan.Zero;
        });
        await using var provider = services.BuildServiceProvider();

        var ex = FluentActions.Invoking(() => provider.GetRequiredService<IOptions<TrackingOptions>>().Value).Should().Throw<OptionsValidationException>().Which;
        ex.Failures.Should().HaveCount(3);
        ex.Message.Should().Contain("DatabasePath is blank").And.Contain("FlushBatchSize is 0").And.Contain("BusyTimeout");
    }
}
