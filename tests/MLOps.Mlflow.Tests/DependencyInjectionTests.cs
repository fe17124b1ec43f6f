using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MLOps.Artifacts;
using MLOps.Registry;
using MLOps.Tracking;

namespace MLOps.Mlflow.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public async Task AddMlflow_AfterAddTrackingAndAddRegistry_SwitchesBothBackends()
    {
        await using var h = new DiHarness(more: s => s.AddMLOps().AddTracking().AddRegistry());

        h.Provider.GetRequiredService<ITrackingStore>().Should().BeOfType<MlflowTrackingStore>();
        h.Provider.GetRequiredService<IModelRegistry>().Should().BeOfType<MlflowModelRegistry>();
        h.Provider.GetRequiredService<Tracker>().Store.Should().BeOfType<MlflowTrackingStore>();
        h.Provider.GetRequiredService<IArtifactStore>().Should().NotBeOfType<MlflowArtifactStore>("the proxy replaces the artifact store only on request");
    }

    [Fact]
    public async Task AddMlflow_BeforeAddTracking_StillWins_AndCalledTwiceIsSafe()
    {
        var services = new ServiceCollection();
        await using var server = new FakeMlflowServer();
        var builder = services.AddMLOps();
        builder.AddMlflow(o => o.TrackingUri = server.Uri).AddMlflow().AddTracking().AddRegistry().UseMlflowArtifactStore();
        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<ITrackingStore>().Should().BeOfType<MlflowTrackingStore>();
        provider.GetRequiredService<IModelRegistry>().Should().BeOfType<MlflowModelRegistry>();
        provider.GetRequiredService<IArtifactStore>().Should().BeOfType<MlflowArtifactStore>();
        services.Count(d => d.ServiceType == typeof(MlflowClient)).Should().Be(1);
        var id = await provider.GetRequiredService<ITrackingStore>().CreateExperimentAsync("via-di");
        id.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public void AddMlflow_NoTrackingUri_FailsValidationWithFixHint()
    {
        var services = new ServiceCollection();
        services.AddMLOps().AddMlflow(o => o.ApplyEnvironment(static _ => null));
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<MlflowOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().WithMessage("*TrackingUri*http://mlflow:5000*");
    }

    [Fact]
    public async Task AddMlflow_ConfigurationSection_BindsOptions()
    {
        var config = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mlflow:TrackingUri"] = "http://mlflow.example:5000",
            ["Mlflow:MaxRetries"] = "3",
        }).Build();
        var services = new ServiceCollection();
        services.AddMLOps().AddMlflow(config.GetSection("Mlflow"));
        await using var provider = services.BuildServiceProvider();

        var o = provider.GetRequiredService<IOptions<MlflowOptions>>().Value;

        o.TrackingUri.Should().Be(new Uri("http://mlflow.example:5000"));
        o.MaxRetries.Should().Be(3);
    }

    [Fact]
    public async Task AddTracking_UseMlflow_SwitchesOnlyTheTrackingStore_TrackerWorksEndToEnd()
    {
        await using var server = new FakeMlflowServer();
        var services = new ServiceCollection();
        var builder = services.AddMLOps(o => o.RootDirectory = Path.Combine(Path.GetTempPath(), "mlops-mlflow-di-" + Guid.NewGuid().ToString("N")));
        builder.AddTracking(o =>
        {
            o.Tracker.CaptureLineage = false;
            return o.UseMlflow(server.Uri);
        });
        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<ITrackingStore>().Should().BeOfType<MlflowTrackingStore>();
        provider.GetService<IModelRegistry>().Should().BeNull("only tracking was asked for");
        var tracker = provider.GetRequiredService<Tracker>();
        tracker.Store.Should().BeOfType<MlflowTrackingStore>();
        provider.GetRequiredService<IOptions<TrackingOptions>>().Value.Tracker.CaptureLineage.Should().BeFalse("the delegate's other settings still apply");
        await using (var run = await tracker.StartRunAsync("one-line", "r"))
        {
            run.LogMetric("m", 1);
            await run.CompleteAsync();
        }

        server.RequestsTo("/api/2.0/mlflow/runs/log-batch").Should().NotBeEmpty();
        server.RequestsTo("/api/2.0/mlflow/runs/create").Should().ContainSingle();
    }

    [Fact]
    public async Task AddRegistry_UseMlflow_SwitchesOnlyTheRegistry_GateUsesIt()
    {
        await using var server = new FakeMlflowServer();
        var services = new ServiceCollection();
        var builder = services.AddMLOps(o => o.RootDirectory = Path.Combine(Path.GetTempPath(), "mlops-mlflow-di-" + Guid.NewGuid().ToString("N")));
        builder.AddTracking().AddRegistry(o => o.UseMlflow(server.Uri));
        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IModelRegistry>().Should().BeOfType<MlflowModelRegistry>();
        provider.GetRequiredService<ITrackingStore>().Should().NotBeOfType<MlflowTrackingStore>("only the registry was switched");
        provider.GetRequiredService<PromotionGate>().Should().NotBeNull();
        await provider.GetRequiredService<IModelRegistry>().CreateRegisteredModelAsync("via-one-line");
        server.RequestsTo("/api/2.0/mlflow/registered-models/create").Should().ContainSingle();
    }

    [Fact]
    public async Task AddTracking_UseSqlite_StillPicksTheEmbeddedStore()
    {
        using var dir = new TempDirectory();
        var services = new ServiceCollection();
        services.AddMLOps(o => o.RootDirectory = dir.Path).AddTracking(o => o.UseSqlite(dir.Combine("t.db")));
        await using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<ITrackingStore>().Should().BeOfType<MLOps.Tracking.Sqlite.SqliteTrackingStore>();
    }
}
