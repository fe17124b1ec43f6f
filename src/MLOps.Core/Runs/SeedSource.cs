namespace MLOps.Runs;

/// <summary>Where the seed of a <see cref="SeedScope"/> came from.</summary>
public enum SeedSource
{
    /// <summary>The value passed to <see cref="Seeds.Set(int)"/>.</summary>
    Code,

    /// <summary>The <c>MLOPS_SEED</c> environment variable, which wins over the value in code.</summary>
    Environment,

    /// <summary>Drawn at random by <see cref="Seeds.Set()"/> because none was given; recorded so the run can be repeated.</summary>
    Generated,
}
