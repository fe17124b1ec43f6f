namespace MLOps.Runs;

/// <summary>The state of the Git working tree a run started in.</summary>
/// <remarks>Immutable; compared by value.</remarks>
public sealed record GitState
{
    /// <summary>Gets the root of the working tree (the folder holding <c>.git</c>, or a linked worktree's root).</summary>
    public required string WorkTreeRoot { get; init; }

    /// <summary>
    /// Gets the full commit id <c>HEAD</c> points to (40 hex digits, or 64 in a SHA-256 repository), or
    /// <see langword="null"/> when it could not be determined (a branch with no commit yet).
    /// </summary>
    public string? Commit { get; init; }

    /// <summary>Gets the checked-out branch (<c>main</c>, <c>feature/x</c>), or <see langword="null"/> when <c>HEAD</c> is detached.</summary>
    public string? Branch { get; init; }

    /// <summary>
    /// Gets a value indicating whether the working tree has changes: modified, staged, or untracked files that are
    /// not ignored (<c>git status --porcelain</c> prints anything). <see langword="null"/> when unknown: the
    /// <c>git</c> executable was not found, failed or timed out, or the check was turned off.
    /// </summary>
    public bool? IsDirty { get; init; }

    /// <summary>Gets a value indicating whether <c>HEAD</c> is detached (points to a commit, not a branch).</summary>
    public bool IsDetached => Branch is null && Commit is not null;
}
