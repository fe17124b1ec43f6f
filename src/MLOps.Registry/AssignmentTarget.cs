namespace MLOps.Registry;

/// <summary>What an assignment points at a version: an alias or a stage.</summary>
public enum AssignmentTargetKind
{
    /// <summary>A named alias such as <c>champion</c>.</summary>
    Alias = 0,

    /// <summary>A lifecycle stage such as <c>Production</c>.</summary>
    Stage = 1,
}

/// <summary>An alias or a stage of one registered model: the thing that history records, rollbacks restore and the change feed reports.</summary>
/// <param name="Kind">Alias or stage.</param>
/// <param name="Name">The alias name, or the canonical stage name (<c>Production</c>).</param>
public readonly record struct AssignmentTarget(AssignmentTargetKind Kind, string Name)
{
    /// <summary>Creates an alias target.</summary>
    /// <param name="alias">The alias, e.g. <c>champion</c>.</param>
    /// <returns>The target.</returns>
    public static AssignmentTarget Alias(string alias)
    {
        ArgumentException.ThrowIfNullOrEmpty(alias);
        return new(AssignmentTargetKind.Alias, alias);
    }

    /// <summary>Creates a stage target.</summary>
    /// <param name="stage">The stage.</param>
    /// <returns>The target.</returns>
    public static AssignmentTarget Stage(ModelStage stage) => new(AssignmentTargetKind.Stage, stage.ToName());

    /// <inheritdoc />
    public override string ToString() => Kind == AssignmentTargetKind.Alias ? "@" + Name : Name;
}

/// <summary>The kind of change one history record describes.</summary>
public enum AssignmentAction
{
    /// <summary>An alias was pointed at a version, or a version entered a stage.</summary>
    Set = 0,

    /// <summary>An alias was removed, or a version left a stage without entering another (only on deletes).</summary>
    Removed = 1,

    /// <summary>A version was moved to <see cref="ModelStage.Archived"/> because another version took its stage (archive existing).</summary>
    ArchivedExisting = 2,

    /// <summary><see cref="IModelRegistry.RollbackAsync"/> restored the previous holder.</summary>
    Rollback = 3,
}

/// <summary>Who made a change and why; stored in the assignment history.</summary>
/// <param name="Actor">Who or what made the change (a user, a CI job, <c>promotion-gate</c>); optional.</param>
/// <param name="Reason">Why; optional, free text up to 5000 characters.</param>
public sealed record ChangeContext(string? Actor = null, string? Reason = null)
{
    /// <summary>Gets an empty context (no actor, no reason).</summary>
    public static ChangeContext None { get; } = new();
}

/// <summary>
/// One entry of the append-only assignment history, which is also the change feed: an alias or stage of a model
/// now points at <see cref="Version"/> (or at nothing), where it pointed at <see cref="PreviousVersion"/> before.
/// </summary>
/// <param name="Sequence">The position in the registry-wide history; strictly increasing, never reused.</param>
/// <param name="ModelName">The registered model, as named at the time of the change.</param>
/// <param name="Target">The alias or stage.</param>
/// <param name="Action">What happened.</param>
/// <param name="Version">The version the target holds after the change; <see langword="null"/> when it was removed.</param>
/// <param name="PreviousVersion">
/// For an alias, the version it pointed at before; for a stage, the version this change displaced from it
/// (the highest-numbered one when several were archived); <see langword="null"/> when none.
/// </param>
/// <param name="RevertsSequence">For <see cref="AssignmentAction.Rollback"/>, the sequence of the change it undid.</param>
/// <param name="Actor">Who made the change.</param>
/// <param name="Reason">Why.</param>
/// <param name="Timestamp">When it was committed, from the registry's <see cref="TimeProvider"/>.</param>
public sealed record AssignmentRecord(
    long Sequence,
    string ModelName,
    AssignmentTarget Target,
    AssignmentAction Action,
    int? Version,
    int? PreviousVersion,
    long? RevertsSequence,
    string? Actor,
    string? Reason,
    DateTimeOffset Timestamp);

/// <summary>The outcome of <see cref="IModelRegistry.RollbackAsync"/>.</summary>
/// <param name="Target">The alias or stage that was rolled back.</param>
/// <param name="FromVersion">The version that held it before the rollback (<see langword="null"/> when none did).</param>
/// <param name="ToVersion">The version that holds it now.</param>
/// <param name="Record">The history record of the rollback.</param>
public sealed record RollbackResult(AssignmentTarget Target, int? FromVersion, int ToVersion, AssignmentRecord Record);
