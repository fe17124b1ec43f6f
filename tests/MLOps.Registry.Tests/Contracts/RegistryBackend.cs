namespace MLOps.Registry.Tests;

/// <summary>
/// Something the embedded registry does that another <see cref="IModelRegistry"/> backend may not (a contract test
/// checks the ones it relies on; a backend without it says why).
/// </summary>
public enum RegistryCapability
{
    /// <summary>Stage and alias assignments are kept as an append-only history with sequences (history, changes, rollback).</summary>
    AssignmentHistory,

    /// <summary>A version keeps the full <see cref="ModelLineage"/> given at registration (params, metrics, dataset, commit).</summary>
    Lineage,

    /// <summary>An uploaded artifact is checked at registration (an unreadable ONNX file fails the registration).</summary>
    ArtifactValidation,

    /// <summary>Uploaded versions get the embedded source layout <c>models/&lt;name&gt;/&lt;version&gt;/&lt;file&gt;</c>.</summary>
    EmbeddedSources,
}

/// <summary>
/// One backend of the shared registry contract (tests/MLOps.Registry.Tests/Contracts): a fresh, empty registry per test,
/// the fake clock its timestamps come from, and what it does differently.
/// </summary>
/// <remarks>
/// The contract classes are compiled into MLOps.Registry.Tests (on SQLite) and, as linked files, into
/// MLOps.Mlflow.Tests (on the MLflow backend over the in-process server): one set of tests, two backends.
/// </remarks>
public abstract class RegistryBackend : ContractBackend<RegistryCapability>
{
    /// <summary>The instant every backend's fake clock starts at.</summary>
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Gets the registry under test.</summary>
    public abstract IModelRegistry Registry { get; }
}

/// <summary>The base of the shared registry contract classes: creates the backend per test and disposes it.</summary>
public abstract class RegistryContract : BackendContract<RegistryBackend, RegistryCapability>
{
    /// <summary>Gets the registry under test.</summary>
    protected IModelRegistry Registry => Backend.Registry;

    /// <summary>Registers a version of a test ONNX file (creating the model when missing), with an optional f1 metric in its lineage.</summary>
    /// <param name="name">The model name.</param>
    /// <param name="f1">The f1 metric, or <see langword="null"/>.</param>
    /// <param name="file">The test asset.</param>
    /// <param name="metrics">More lineage metrics.</param>
    /// <returns>The version.</returns>
    protected Task<ModelVersion> AddVersionAsync(string name, double? f1 = null, string file = "mlp.onnx", Dictionary<string, double>? metrics = null)
        => AddVersionAsync(Registry, name, f1, file, metrics);

    /// <summary>Registers a version of a test ONNX file in <paramref name="registry"/> (creating the model when missing), with an optional f1 metric in its lineage.</summary>
    /// <param name="registry">The registry.</param>
    /// <param name="name">The model name.</param>
    /// <param name="f1">The f1 metric, or <see langword="null"/>.</param>
    /// <param name="file">The test asset.</param>
    /// <param name="metrics">More lineage metrics.</param>
    /// <returns>The version.</returns>
    internal static async Task<ModelVersion> AddVersionAsync(IModelRegistry registry, string name, double? f1 = null, string file = "mlp.onnx", Dictionary<string, double>? metrics = null)
    {
        metrics ??= [];
        if (f1 is { } value)
        {
            metrics["f1"] = value;
        }

        return await registry.CreateModelVersionAsync(new ModelVersionRequest
        {
            ModelName = name,
            ArtifactFile = TestAssets.File(file),
            CreateModelIfMissing = true,
            Lineage = new ModelLineage { Metrics = metrics },
        });
    }
}
