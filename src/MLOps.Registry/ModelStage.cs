using System.Diagnostics.CodeAnalysis;

namespace MLOps.Registry;

/// <summary>
/// The classic MLflow lifecycle stage of a model version: <c>None → Staging → Production → Archived</c>.
/// </summary>
/// <remarks>
/// MLflow deprecated stages in 2.9 in favour of aliases; both are supported here and both are recorded in the
/// assignment history, so either can be rolled back.
/// </remarks>
public enum ModelStage
{
    /// <summary>The stage of a new version (MLflow's <c>None</c>).</summary>
    None = 0,

    /// <summary>Under evaluation before production.</summary>
    Staging = 1,

    /// <summary>Serving production traffic.</summary>
    Production = 2,

    /// <summary>Retired; kept for lineage and rollback.</summary>
    Archived = 3,
}

/// <summary>Parses and formats <see cref="ModelStage"/> the way MLflow spells them.</summary>
public static class ModelStages
{
    /// <summary>Gets the canonical MLflow name of a stage: <c>None</c>, <c>Staging</c>, <c>Production</c> or <c>Archived</c>.</summary>
    /// <param name="stage">The stage.</param>
    /// <returns>The canonical name.</returns>
    public static string ToName(this ModelStage stage) => stage switch
    {
        ModelStage.None => "None",
        ModelStage.Staging => "Staging",
        ModelStage.Production => "Production",
        ModelStage.Archived => "Archived",
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "Unknown model stage."),
    };

    /// <summary>Parses a stage name case-insensitively, as MLflow does (<c>production</c> → <see cref="ModelStage.Production"/>).</summary>
    /// <param name="value">The text.</param>
    /// <param name="stage">The stage, when the text names one.</param>
    /// <returns><see langword="true"/> when <paramref name="value"/> names a stage.</returns>
    public static bool TryParse([NotNullWhen(true)] string? value, out ModelStage stage)
    {
        stage = ModelStage.None;
        if (value is null)
        {
            return false;
        }

        foreach (var candidate in (ReadOnlySpan<ModelStage>)[ModelStage.None, ModelStage.Staging, ModelStage.Production, ModelStage.Archived])
        {
            if (string.Equals(value, candidate.ToName(), StringComparison.OrdinalIgnoreCase))
            {
                stage = candidate;
                return true;
            }
        }

        return false;
    }

    /// <summary>Parses a stage name case-insensitively.</summary>
    /// <param name="value">The text.</param>
    /// <returns>The stage.</returns>
    /// <exception cref="ArgumentException"><paramref name="value"/> names no stage.</exception>
    public static ModelStage Parse(string value) =>
        TryParse(value, out var stage)
            ? stage
            : throw new ArgumentException($"'{value}' is not a model stage; use None, Staging, Production or Archived (any case).", nameof(value));
}

/// <summary>The registration status of a model version (MLflow's <c>ModelVersionStatus</c>).</summary>
public enum ModelVersionStatus
{
    /// <summary>The version row exists; its artifact is being stored and read.</summary>
    PendingRegistration = 1,

    /// <summary>Registration failed; <see cref="ModelVersion.StatusMessage"/> says why.</summary>
    FailedRegistration = 2,

    /// <summary>The artifact is stored and verified; the version can be served.</summary>
    Ready = 3,
}
