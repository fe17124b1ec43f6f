namespace MLOps.Tracking.Tests;

/// <summary>
/// Something the embedded store does that another <see cref="ITrackingStore"/> backend may not (a contract test
/// checks the ones it relies on; a backend without it says why).
/// </summary>
public enum TrackingCapability
{
    /// <summary>Filter and order_by errors are <see cref="FilterSyntaxException"/>s with a character position and reason.</summary>
    FilterErrorPositions,

    /// <summary>A changed param is a <see cref="ParamValueChangedException"/> carrying the key, the old and the new value.</summary>
    TypedParamConflict,

    /// <summary>One <see cref="ITrackingStore.LogBatchAsync"/> call over MLflow's per-request limits is rejected as a whole.</summary>
    OneCallBatchLimit,

    /// <summary>Run artifact URIs have the embedded layout (<c>experiments/&lt;exp&gt;/&lt;run&gt;/artifacts</c>).</summary>
    EmbeddedArtifactUris,

    /// <summary>A page token that decodes to a negative offset is rejected.</summary>
    NegativePageOffsetRejected,
}

/// <summary>
/// One backend of the shared tracking contract (tests/MLOps.Tracking.Tests/Contracts): a fresh, empty store per test,
/// the fake clock its server-side timestamps come from, and what it does differently.
/// </summary>
/// <remarks>
/// The contract classes are compiled into MLOps.Tracking.Tests (on SQLite) and, as linked files, into
/// MLOps.Mlflow.Tests (on the MLflow backend over the in-process server): one set of tests, two backends.
/// </remarks>
public abstract class TrackingBackend : ContractBackend<TrackingCapability>
{
    /// <summary>The instant every backend's fake clock starts at.</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    /// <summary>Gets the store under test.</summary>
    public abstract ITrackingStore Store { get; }

    /// <summary>A dump of the backend's private storage (tables, files) for "a search never alters data"; empty when there is none to read.</summary>
    /// <returns>The dump.</returns>
    public virtual string RawSnapshot() => string.Empty;
}

/// <summary>The base of the shared tracking contract classes: creates the backend per test and disposes it.</summary>
public abstract class TrackingContract : BackendContract<TrackingBackend, TrackingCapability>
{
    /// <summary>Gets the store under test.</summary>
    protected ITrackingStore Store => Backend.Store;

    /// <summary>Creates a run in an experiment (created when missing), started at the backend's current time.</summary>
    /// <param name="experiment">The experiment name.</param>
    /// <returns>The run id.</returns>
    protected async Task<string> NewRunAsync(string experiment = "exp")
    {
        var id = (await Store.GetExperimentByNameAsync(experiment))?.ExperimentId ?? await Store.CreateExperimentAsync(experiment);
        return (await Store.CreateRunAsync(id, null, Time.GetUtcNow().ToUnixTimeMilliseconds())).RunId;
    }
}
