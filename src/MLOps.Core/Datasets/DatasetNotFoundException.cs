namespace MLOps.Datasets;

/// <summary>Thrown when the path given to fingerprint is neither a file nor a folder.</summary>
/// <remarks>Not transient: the path has to be corrected first.</remarks>
public sealed class DatasetNotFoundException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The path as given.</param>
    /// <param name="fullPath">The absolute path it resolved to.</param>
    public DatasetNotFoundException(string path, string fullPath)
        : base($"No file or folder at '{path}' (resolved to '{fullPath}'). Check the path; a relative path resolves against the current directory.", isTransient: false)
    {
        Path = path;
        FullPath = fullPath;
    }

    /// <summary>Gets the path as given.</summary>
    public string Path { get; }

    /// <summary>Gets the absolute path it resolved to.</summary>
    public string FullPath { get; }
}
