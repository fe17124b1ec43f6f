namespace MLOps.Datasets;

/// <summary>
/// One entry of an <c>outs</c> or <c>deps</c> list in a <c>.dvc</c> or <c>dvc.lock</c> file: a tracked path and
/// the hash DVC recorded for it.
/// </summary>
/// <remarks>Immutable and thread-safe. Fields DVC writes that this type does not model (<c>desc</c>, <c>remote</c>, <c>cache</c>, ...) are ignored.</remarks>
public sealed record DvcEntry
{
    /// <summary>Gets the path as recorded, relative to the file's folder (or its <c>wdir</c>), with <c>/</c> separators.</summary>
    public required string Path { get; init; }

    /// <summary>
    /// Gets the MD5 as recorded (lowercase hex), with the <c>.dir</c> suffix DVC gives folders, or
    /// <see langword="null"/> when the entry has none (an external dependency with an <c>etag</c>, for example).
    /// </summary>
    public string? Md5 { get; init; }

    /// <summary>
    /// Gets the <c>hash</c> field: <c>md5</c> for entries written by DVC 3.x (plain MD5 of the bytes), or
    /// <see langword="null"/> for entries written by DVC 2.x, whose MD5 of a text file was taken after converting
    /// CRLF line ends to LF and so may differ from <see cref="DvcHashes.ComputeFileMd5Async"/>.
    /// </summary>
    public string? HashName { get; init; }

    /// <summary>Gets the recorded size in bytes (for a folder, of all its files), if recorded.</summary>
    public long? Size { get; init; }

    /// <summary>Gets the recorded number of files (the <c>nfiles</c> field, folders only), if recorded.</summary>
    public int? FileCount { get; init; }

    /// <summary>Gets the 1-based line in the file where the entry starts.</summary>
    public int LineNumber { get; init; }

    /// <summary>Gets a value indicating whether the entry is a folder (its MD5 ends with <c>.dir</c>).</summary>
    public bool IsDirectory => Md5 is not null && Md5.EndsWith(".dir", StringComparison.Ordinal);
}
