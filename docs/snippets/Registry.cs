using Microsoft.Extensions.DependencyInjection;
using MLOps.Registry;

namespace MLOps.Docs.Snippets;

/// <summary>The code of docs/guides/registry.md.</summary>
public static class Registry
{
    /// <summary>Registers the registry.</summary>
    /// <param name="services">The host's services.</param>
    public static void Register(IServiceCollection services)
    {
        #region register
        services.AddMLOps()
            .AddLocalArtifactStore()                                 // model files are stored here, SHA-256 recorded
            .AddRegistry(o =>
            {
                o.UseSqlite(".mlops/mlops.db");                      // may be the tracking database too
                o.ChangePollInterval = TimeSpan.FromSeconds(1);      // how soon other processes' changes are seen
            });
        #endregion
    }

    /// <summary>Registers a version and lets the gate decide.</summary>
    /// <param name="provider">The services.</param>
    /// <param name="runId">The training run.</param>
    /// <returns>A task that completes when done.</returns>
    public static async Task RegisterAndPromoteAsync(IServiceProvider provider, string runId)
    {
        #region register-and-promote
        var registry = provider.GetRequiredService<IModelRegistry>();
        ModelVersion candidate = await registry.CreateModelVersionAsync(new ModelVersionRequest
        {
            ModelName = "fraud",
            ArtifactFile = "models/fraud.onnx",                      // an .onnx file also gets its signature read
            RunId = runId,
            CreateModelIfMissing = true,
            Description = "logistic regression on four features",
            Lineage = new ModelLineage
            {
                RunId = runId,
                GitCommit = "0f3c2a9",
                DatasetFingerprint = "9c1185a5c5e9fc54612808977ee8f548b2258d31",
                Metrics = new Dictionary<string, double> { ["val_f1"] = 0.91, ["p99_ms"] = 1.8 },
            },
        });
        Console.WriteLine($"{candidate.Uri}: {candidate.Status}, {candidate.Signature?.Inputs.Count} inputs");

        var gate = provider.GetRequiredService<PromotionGate>();
        PromotionDecision decision = await gate.EvaluateAsync("fraud", candidate.Version, new PromotionPolicy
        {
            Metric = "val_f1",
            Direction = MetricDirection.HigherIsBetter,
            MinRelativeImprovement = 0.02,                           // must beat the holder by at least 2%
            Target = AssignmentTarget.Alias("champion"),
            OnPass = PromotionOnPass.PromoteToTarget,
        }, new ChangeContext("ci", "nightly retrain"));
        Console.WriteLine($"{decision.Passed}: {decision.Reason}");  // also stored as mlops.promotion.* version tags
        #endregion
    }

    /// <summary>Stages, aliases, rollback and the change feed.</summary>
    /// <param name="registry">The registry.</param>
    /// <param name="stopping">Stops the watch.</param>
    /// <returns>A task that completes when <paramref name="stopping"/> is cancelled.</returns>
    public static async Task StagesAliasesRollbackAsync(IModelRegistry registry, CancellationToken stopping)
    {
        #region stages-aliases-rollback
        await registry.TransitionStageAsync("fraud", 3, ModelStage.Production, archiveExistingVersions: true,
            new ChangeContext("alice", "passed the shadow test"));
        await registry.SetAliasAsync("fraud", "challenger", 4);

        ModelVersion champion = await registry.ResolveAsync(ModelUri.Parse("models:/fraud@champion"));
        ModelVersion production = await registry.ResolveAsync("models:/fraud/Production");
        Console.WriteLine($"champion v{champion.Version}, production v{production.Version}");

        // Undo the latest assignment of @champion; a second call walks further back.
        RollbackResult undone = await registry.RollbackAsync("fraud", AssignmentTarget.Alias("champion"),
            new ChangeContext("oncall", "p99 regression"));
        Console.WriteLine($"@champion: v{undone.FromVersion} → v{undone.ToVersion}");

        await foreach (ModelVersion? version in registry.WatchResolutionAsync(ModelUri.Parse("models:/fraud@champion"), stopping))
        {
            Console.WriteLine(version is null ? "alias removed" : $"now v{version.Version}");   // first item: the current holder
        }
        #endregion
    }
}
