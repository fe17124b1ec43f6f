namespace MLOps.Runs;

/// <summary>Options for <see cref="RunContext.Capture"/>. Not thread-safe: configure, then share read-only.</summary>
public sealed class RunContextOptions
{
    /// <summary>Gets or sets the folder whose Git working tree is described. Default: <see langword="null"/>, the current directory.</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>Gets or sets the clock that stamps <see cref="RunContext.CapturedAt"/>. Default: <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets a value indicating whether to record the operating-system user name. Default: <see langword="false"/>.</summary>
    public bool IncludeUserName { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether to record the process command line. Default: <see langword="true"/>.
    /// Turn it off when secrets may be passed as arguments: the run context is stored with the run.
    /// </summary>
    public bool IncludeCommandLine { get; set; } = true;

    /// <summary>
    /// Gets or sets a value indicating whether to run <c>git status --porcelain</c> to fill <see cref="GitState.IsDirty"/>.
    /// Default: <see langword="true"/>. Commit and branch never need <c>git</c>.
    /// </summary>
    public bool DetectDirtyWorkTree { get; set; } = true;

    /// <summary>Gets or sets the <c>git</c> executable: a name looked up on <c>PATH</c>, or a full path. Default: <c>git</c>.</summary>
    public string GitExecutable { get; set; } = "git";

    /// <summary>
    /// Gets or sets how long one <c>git</c> command may run before it is killed and its answer reported as unknown.
    /// Default: 10 seconds. Must be positive.
    /// </summary>
    public TimeSpan GitTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
