namespace MLOps.Datasets;

/// <summary>Options for <see cref="DatasetFingerprint.ComputeAsync"/>. Not thread-safe: configure, then share read-only.</summary>
public sealed class DatasetFingerprintOptions
{
    /// <summary>Gets or sets the dataset name. Default: <see langword="null"/>, meaning the file or folder name.</summary>
    public string? Name { get; set; }

    /// <summary>Gets or sets the row count to record; the fingerprint never counts rows itself. Default: <see langword="null"/>.</summary>
    public long? RowCount { get; set; }

    /// <summary>Gets or sets the columns to record (copied when the fingerprint is made). Default: <see langword="null"/>.</summary>
    public IReadOnlyList<DatasetColumn>? Schema { get; set; }

    /// <summary>
    /// Gets the names of files and folders to leave out, at any depth, compared exactly (ordinal).
    /// Default: <c>.git</c> and <c>.dvc</c> (Git's and DVC's own folders). Clear it to hash everything.
    /// </summary>
    public IList<string> ExcludedNames { get; } = [".git", ".dvc"];

    /// <summary>
    /// Gets or sets how many files of a folder are hashed at once. Default: <see cref="Environment.ProcessorCount"/>.
    /// Must be at least 1.
    /// </summary>
    public int MaxDegreeOfParallelism { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Gets or sets the bytes read per call; two pooled buffers of this size are in use per file being hashed.
    /// Default: 1 MiB. Must be at least 4096.
    /// </summary>
    public int BufferSize { get; set; } = FileHasher.DefaultBufferSize;

    /// <summary>
    /// Gets or sets a value indicating whether symbolic links that point outside the dataset folder (or nowhere)
    /// are left out instead of failing with <see cref="DatasetLinkOutsideRootException"/>. Default: <see langword="false"/>.
    /// </summary>
    public bool SkipLinksOutsideRoot { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether to look for the MD5 that DVC recorded for the path (in a sibling
    /// <c>&lt;path&gt;.dvc</c>, or in a <c>dvc.lock</c> up to the repository root) and put it in
    /// <see cref="DatasetRef.Dvc"/>. Default: <see langword="true"/>.
    /// </summary>
    public bool LookUpDvcHash { get; set; } = true;
}
