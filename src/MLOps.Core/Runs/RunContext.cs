using System.Runtime.InteropServices;

namespace MLOps.Runs;

/// <summary>
/// Where and how a run executed: the Git commit, branch and dirty flag of its working tree, the host, operating
/// system and .NET runtime, the command line, the random seed, and when it was captured.
/// </summary>
/// <example>
/// <code>
/// using var seed = Seeds.Set(42);                    // MLOPS_SEED, when set, wins
/// var context = RunContext.Capture(new RunContextOptions { TimeProvider = timeProvider });
/// Console.WriteLine($"{context.Git?.Commit} dirty={context.Git?.IsDirty} seed={context.Seed}");
/// </code>
/// </example>
/// <remarks>Immutable and compared by value (<see cref="CommandLine"/> element by element).</remarks>
public sealed record RunContext
{
    /// <summary>Gets the Git state of the working directory, or <see langword="null"/> when it is not inside a Git working tree.</summary>
    public GitState? Git { get; init; }

    /// <summary>Gets the host name (<see cref="Environment.MachineName"/>: on Linux and macOS, up to its first dot).</summary>
    public required string HostName { get; init; }

    /// <summary>
    /// Gets the operating system as .NET describes it (<see cref="RuntimeInformation.OSDescription"/>): on Linux the
    /// distribution, for example <c>Debian GNU/Linux 12 (bookworm)</c>; on Windows <c>Microsoft Windows 10.0.22631</c>.
    /// </summary>
    public required string OSDescription { get; init; }

    /// <summary>Gets the operating-system version (<see cref="Environment.OSVersion"/>): the kernel version on Linux and macOS, for example <c>6.1.0.18</c>.</summary>
    public required string OSVersion { get; init; }

    /// <summary>Gets the processor architecture of the operating system (<c>X64</c>, <c>Arm64</c>, ...).</summary>
    public required string OSArchitecture { get; init; }

    /// <summary>Gets the .NET runtime, for example <c>.NET 10.0.1</c>.</summary>
    public required string FrameworkDescription { get; init; }

    /// <summary>Gets the id of the process that captured the context.</summary>
    public required int ProcessId { get; init; }

    /// <summary>Gets the folder the context was captured for (the working directory of the run).</summary>
    public required string WorkingDirectory { get; init; }

    /// <summary>Gets the command line (program first, then each argument), or <see langword="null"/> when not recorded.</summary>
    public IReadOnlyList<string>? CommandLine { get; init; }

    /// <summary>Gets the operating-system user name, or <see langword="null"/> when not recorded (the default).</summary>
    public string? UserName { get; init; }

    /// <summary>Gets the random seed in effect (<see cref="Seeds.Current"/>) when the context was captured, if any.</summary>
    public int? Seed { get; init; }

    /// <summary>Gets where <see cref="Seed"/> came from, if there is one.</summary>
    public SeedSource? SeedSource { get; init; }

    /// <summary>Gets when the context was captured, from the configured <see cref="TimeProvider"/>.</summary>
    public required DateTimeOffset CapturedAt { get; init; }

    /// <summary>Captures the context of the current process.</summary>
    /// <param name="options">Working directory, clock, what to record; <see langword="null"/> for the defaults.</param>
    /// <returns>The captured context.</returns>
    /// <remarks>
    /// Commit and branch are read from the <c>.git</c> files, so they need no <c>git</c> executable: <c>.git</c>
    /// folders and <c>gitdir:</c> files (linked worktrees, submodules), loose and packed refs, detached <c>HEAD</c>.
    /// Only the dirty flag runs <c>git status --porcelain</c> (without taking Git's optional locks), and only a
    /// repository whose refs are in the <c>reftable</c> format needs <c>git</c> for its commit; when <c>git</c> is
    /// missing, fails or times out, those values are <see langword="null"/>. <c>GIT_DIR</c> and similar variables are
    /// not consulted. Blocks for at most about two <see cref="RunContextOptions.GitTimeout"/>s. Thread-safe.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><see cref="RunContextOptions.TimeProvider"/> or <see cref="RunContextOptions.GitExecutable"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="RunContextOptions.GitTimeout"/> is not positive.</exception>
    public static RunContext Capture(RunContextOptions? options = null)
    {
        options ??= new RunContextOptions();
        ArgumentNullException.ThrowIfNull(options.TimeProvider, nameof(options.TimeProvider));
        ArgumentNullException.ThrowIfNull(options.GitExecutable, nameof(options.GitExecutable));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.GitTimeout, TimeSpan.Zero, nameof(options.GitTimeout));

        var capturedAt = options.TimeProvider.GetUtcNow();
        var workingDirectory = Path.GetFullPath(options.WorkingDirectory ?? Environment.CurrentDirectory);
        var seed = Seeds.Current;
        return new RunContext
        {
            Git = GitReader.Read(workingDirectory, options),
            HostName = Environment.MachineName,
            OSDescription = RuntimeInformation.OSDescription,
            OSVersion = Environment.OSVersion.Version.ToString(),
            OSArchitecture = RuntimeInformation.OSArchitecture.ToString(),
            FrameworkDescription = RuntimeInformation.FrameworkDescription,
            ProcessId = Environment.ProcessId,
            WorkingDirectory = workingDirectory,
            CommandLine = options.IncludeCommandLine ? Environment.GetCommandLineArgs() : null,
            UserName = options.IncludeUserName ? Environment.UserName : null,
            Seed = seed?.Seed,
            SeedSource = seed?.Source,
            CapturedAt = capturedAt,
        };
    }

    /// <inheritdoc/>
    public bool Equals(RunContext? other) =>
        other is not null
        && Equals(Git, other.Git)
        && string.Equals(HostName, other.HostName, StringComparison.Ordinal)
        && string.Equals(OSDescription, other.OSDescription, StringComparison.Ordinal)
        && string.Equals(OSVersion, other.OSVersion, StringComparison.Ordinal)
        && string.Equals(OSArchitecture, other.OSArchitecture, StringComparison.Ordinal)
        && string.Equals(FrameworkDescription, other.FrameworkDescription, StringComparison.Ordinal)
        && ProcessId == other.ProcessId
        && string.Equals(WorkingDirectory, other.WorkingDirectory, StringComparison.Ordinal)
        && string.Equals(UserName, other.UserName, StringComparison.Ordinal)
        && Seed == other.Seed
        && SeedSource == other.SeedSource
        && CapturedAt == other.CapturedAt
        && (ReferenceEquals(CommandLine, other.CommandLine)
            || (CommandLine is not null && other.CommandLine is not null && CommandLine.SequenceEqual(other.CommandLine, StringComparer.Ordinal)));

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Git, HostName, ProcessId, WorkingDirectory, Seed, CapturedAt);
}
