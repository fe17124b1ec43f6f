namespace MLOps;

/// <summary>Suite-wide options shared by every MLOps.Sdk package.</summary>
public sealed class MLOpsOptions
{
    /// <summary>
    /// Gets or sets the folder that holds the embedded defaults (SQLite files, artifacts, online store) when a
    /// package is not told otherwise. Relative paths resolve against the current directory. Default: <c>.mlops</c>.
    /// </summary>
    public string RootDirectory { get; set; } = ".mlops";
}
