namespace MLOps.Tracking;

/// <summary>Tag keys with a meaning: MLflow's reserved <c>mlflow.*</c> names, and the <c>mlops.*</c> lineage tags MLflow has no name for.</summary>
public static class MlflowTags
{
    /// <summary><c>mlflow.runName</c>: the run name (kept equal to <see cref="RunInfo.RunName"/>).</summary>
    public const string RunName = "mlflow.runName";

    /// <summary><c>mlflow.parentRunId</c>: the parent of a nested run.</summary>
    public const string ParentRunId = "mlflow.parentRunId";

    /// <summary><c>mlflow.user</c>: who ran it.</summary>
    public const string User = "mlflow.user";

    /// <summary><c>mlflow.source.name</c>: the program that ran (the entry assembly or command).</summary>
    public const string SourceName = "mlflow.source.name";

    /// <summary><c>mlflow.source.type</c>: <c>LOCAL</c> for a process on this machine.</summary>
    public const string SourceType = "mlflow.source.type";

    /// <summary><c>mlflow.source.git.commit</c>: the Git commit of the working tree.</summary>
    public const string GitCommit = "mlflow.source.git.commit";

    /// <summary><c>mlflow.source.git.branch</c>: the checked-out branch.</summary>
    public const string GitBranch = "mlflow.source.git.branch";

    /// <summary><c>mlflow.note.content</c>: a free-text description shown by the MLflow UI.</summary>
    public const string Note = "mlflow.note.content";

    /// <summary><c>mlflow.data.context</c>: the input tag naming a dataset's role (<c>training</c>, <c>validation</c>, ...).</summary>
    public const string DatasetContext = "mlflow.data.context";

    /// <summary><c>mlops.failure</c>: the type and message of the exception a run failed with (<see cref="TrackedRun.FailAsync"/>).</summary>
    public const string Failure = "mlops.failure";

    /// <summary><c>mlops.git.dirty</c>: <c>true</c>/<c>false</c>, whether the working tree had uncommitted changes.</summary>
    public const string GitDirty = "mlops.git.dirty";

    /// <summary><c>mlops.host</c>: the host name.</summary>
    public const string Host = "mlops.host";

    /// <summary><c>mlops.os</c>: the operating system description.</summary>
    public const string OperatingSystem = "mlops.os";

    /// <summary><c>mlops.dotnet</c>: the .NET runtime, for example <c>.NET 10.0.1</c>.</summary>
    public const string DotNet = "mlops.dotnet";

    /// <summary><c>mlops.command_line</c>: the command line, arguments separated by spaces (when recorded).</summary>
    public const string CommandLine = "mlops.command_line";

    /// <summary><c>mlops.seed</c>: the random seed in effect when the run started.</summary>
    public const string Seed = "mlops.seed";

    /// <summary><c>mlops.seed.source</c>: where the seed came from (<c>Code</c>, <c>Environment</c>, <c>Generated</c>).</summary>
    public const string SeedSource = "mlops.seed.source";
}
