namespace MLOps.Datasets;

/// <summary>
/// Thrown when a symbolic link in a dataset folder points outside the folder (or nowhere): the fingerprint would
/// not describe data the folder holds, so it is not followed.
/// </summary>
/// <remarks>
/// Not transient. Set <see cref="DatasetFingerprintOptions.SkipLinksOutsideRoot"/> to leave such links out of
/// the fingerprint, or copy the data into the folder.
/// </remarks>
public sealed class DatasetLinkOutsideRootException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="linkPath">The link's own path.</param>
    /// <param name="target">Where it points (resolved when possible); <see langword="null"/> when unknown.</param>
    /// <param name="rootPath">The dataset folder.</param>
    public DatasetLinkOutsideRootException(string linkPath, string? target, string rootPath)
        : base(
            $"The link '{linkPath}' points to '{target}', which is outside the dataset folder '{rootPath}' or does not exist. "
            + "Copy the data into the folder, remove the link, or set DatasetFingerprintOptions.SkipLinksOutsideRoot to leave it out.",
            isTransient: false)
    {
        LinkPath = linkPath;
        Target = target;
        RootPath = rootPath;
    }

    /// <summary>Gets the link's own path.</summary>
    public string LinkPath { get; }

    /// <summary>Gets where the link points, or <see langword="null"/> when that is unknown.</summary>
    public string? Target { get; }

    /// <summary>Gets the dataset folder being fingerprinted.</summary>
    public string RootPath { get; }
}
