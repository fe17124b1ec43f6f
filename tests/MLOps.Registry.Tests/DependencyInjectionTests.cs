using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;
using MLOps.Artifacts;

namespace MLOps.Registry.Tests;

public sealed class DependencyInjectionTests : IDisposable
{
    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task AddRegistry_UseSqlite_ResolvesOneRegistryOnThatFile()
    {
        var services = new ServiceCollection();
        services.AddMLOps(o => o.RootDirectory = _root.Path).AddRegistry(o => o.UseSqlite(_root.Combine("db", "registry.db"))).AddRegistry();
        await using var provider = services.BuildServiceProvider();

        var registry = provider.GetRequiredService<IModelRegistry>();
        await registry.CreateRegisteredModelAsync("fraud");

        registry.Should().BeSameAs(provider.GetRequiredService<SqliteModelRegistry>());
        provider.GetRequiredService<PromotionGate>().Should().NotBeNull();
        provider.GetRequiredService<IArtifactStore>().Should().BeOfType<LocalArtifactStore>();
        File.Exists(_root.Combine("db", "registry.db")).Should().BeTrue();
        services.Count(d => d.ServiceType == typeof(IModelRegistry)).Should().Be(1);
    }

    [Fact]
    public async Task AddRegistry_NoDatabaseGiven_UsesMlopsDbUnderRootDirectory()
    {
        var services = new ServiceCollection();
        services.AddMLOps(o => o.RootDirectory = _root.Path).AddRegistry();
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<IModelRegistry>().CreateRegisteredModelAsync("fraud");

        File.Exists(_root.Combine("mlops.db")).Should().BeTrue();
    }

    [Fact]
    public async Task AddRegistry_PollIntervalTooSmall_FailsValidationNamingTheOption()
    {
        var services = new ServiceCollection();
        services.AddMLOps(o => o.RootDirectory = _root.Path).AddRegistry(o => o.ChangePollInterval = TimeSpan.FromMilliseconds(1));
        await using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<RegistryOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().WithMessage("*ChangePollInterval*");
    }

    [Fact]
    public async Task Meter_TransitionsAndRollbacks_AreCounted()
    {
        using var meters = new TestMeterFactory();
        using var transitions = new MetricCollector<long>(meters, "MLOps.Registry", "mlops.registry.transitions");
        using var rollbacks = new MetricCollector<long>(meters, "MLOps.Registry", "mlops.registry.rollbacks");
        using var created = new MetricCollector<long>(meters, "MLOps.Registry", "mlops.registry.versions.created");
        using var promotions = new MetricCollector<long>(meters, "MLOps.Registry", "mlops.registry.promotion.decisions");
        using var registry = new SqliteModelRegistry(new RegistryOptions().UseSqlite(_root.Combine("m.db")), new LocalArtifactStore(_root.Combine("a")), meterFactory: meters);
        for (var i = 0; i < 2; i++)
        {
            await registry.CreateModelVersionAsync(new ModelVersionRequest { ModelName = "fraud", Source = "s3://m", CreateModelIfMissing = true, Lineage = new() { Metrics = new Dictionary<string, double> { ["f1"] = 0.5 + i } } });
            await registry.SetAliasAsync("fraud", "champion", i + 1);
        }

        await registry.RollbackAsync("fraud", AssignmentTarget.Alias("champion"));
        await new PromotionGate(registry, meterFactory: meters).EvaluateAsync("fraud", 2, new PromotionPolicy { Metric = "f1", Target = AssignmentTarget.Alias("champion") });

        created.GetMeasurementSnapshot().EvaluateAsCounter().Should().Be(2);
        transitions.GetMeasurementSnapshot().EvaluateAsCounter().Should().Be(3);
        rollbacks.GetMeasurementSnapshot().Should().ContainSingle().Which.Tags["mlops.registry.target.kind"].Should().Be("alias");
        promotions.GetMeasurementSnapshot().Should().ContainSingle().Which.Tags["mlops.registry.decision"].Should().Be("passed");
    }

    /// <summary>Caches one meter per name, as the default factory does, so the registry and the gate share instruments.</summary>
    private sealed class TestMeterFactory : IMeterFactory
    {
        private readonly Dictionary<string, Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            if (!_meters.TryGetValue(options.Name, out var meter))
            {
                meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
                _meters.Add(options.Name, meter);
            }

            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in _meters.Values)
            {
                meter.Dispose();
            }
        }
    }
}
