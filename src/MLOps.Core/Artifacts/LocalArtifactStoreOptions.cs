namespace MLOps.Artifacts;

/// <summary>Options for <see cref="LocalArtifactStore"/>.</summary>
public sealed class LocalArtifactStoreOptions
{
    /// <summary>
    /// Gets or sets the folder that holds the store. Default: <see langword="null"/>, which means
    /// <c>artifacts</c> under <see cref="MLOpsOptions.RootDirectory"/>.
    /// </summary>
    public string? RootDirectory { get; set; }

    /// <summary>Gets or sets the copy buffer size in bytes. Default: 1 MiB. Range: 4 KiB to 64 MiB.</summary>
    public int BufferSize { get; set; } = 1 << 20;

    /// <summary>
    /// Gets or sets a value indicating whether files are flushed to the disk before they become visible
    /// (<c>fsync</c>), so a power cut cannot leave an empty artifact behind a valid name. Default: <see langword="true"/>.
    /// </summary>
    public bool FlushToDisk { get; set; } = true;
}
