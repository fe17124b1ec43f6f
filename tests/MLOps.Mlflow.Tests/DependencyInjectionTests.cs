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
}
