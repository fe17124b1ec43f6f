namespace MLOps.Datasets;

/// <summary>
/// The fingerprint of a dataset (one file or a whole folder): what a training run logs so that the exact data it
/// saw can be named, compared and checked later. Made by <see cref="DatasetFingerprint.ComputeAsync"/>.
/// </summary>
/// <remarks>
/// Immutable and compared by value (the <see cref="Schema"/> element by element). Two fingerprints of the same
/// bytes taken from different places differ in <see cref="SourcePath"/>; use <see cref="HasSameContentAs"/> to
/// compare the data only.
/// </remarks>
public sealed record DatasetRef
{
    /// <summary>Gets the dataset's name: <see cref="DatasetFingerprintOptions.Name"/>, or the file or folder name.</summary>
    public required string Name { get; init; }

    /// <summary>
    /// Gets the SHA-256 in lowercase hex: of the file's bytes for a file; for a folder, the folder digest described
    /// on <see cref="DatasetFingerprint.ComputeAsync"/>.
    /// </summary>
    public required string Sha256 { get; init; }

    /// <summary>Gets the total number of bytes hashed (for a folder, over all its files).</summary>
    public required long SizeBytes { get; init; }

    /// <summary>Gets the number of files hashed: 1 for a file; 0 or more for a folder.</summary>
    public required int FileCount { get; init; }

    /// <summary>Gets a value indicating whether the dataset is a folder.</summary>
    public required bool IsDirectory { get; init; }

    /// <summary>Gets the absolute path that was fingerprinted.</summary>
    public required string SourcePath { get; init; }

    /// <summary>Gets the number of rows, when the caller supplied it; otherwise <see langword="null"/>.</summary>
    public long? RowCount { get; init; }

    /// <summary>Gets the columns, when the caller supplied them; otherwise <see langword="null"/>.</summary>
    public IReadOnlyList<DatasetColumn>? Schema { get; init; }

    /// <summary>Gets the MD5 that DVC recorded for this path, when one was found; otherwise <see langword="null"/>.</summary>
    public DvcHashRecord? Dvc { get; init; }

    /// <summary>Tells whether another fingerprint describes the same bytes (same SHA-256, size, file count and kind).</summary>
    /// <param name="other">The other fingerprint.</param>
    /// <returns><see langword="true"/> when the data is the same, wherever it was read from.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is <see langword="null"/>.</exception>
    public bool HasSameContentAs(DatasetRef other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return string.Equals(Sha256, other.Sha256, StringComparison.Ordinal)
            && SizeBytes == other.SizeBytes
            && FileCount == other.FileCount
            && IsDirectory == other.IsDirectory;
    }

    /// <inheritdoc/>
    public bool Equals(DatasetRef? other) =>
        other is not null
        && string.Equals(Name, other.Name, StringComparison.Ordinal)
        && string.Equals(SourcePath, other.SourcePath, StringComparison.Ordinal)
        && HasSameContentAs(other)
        && RowCount == other.RowCount
        && Equals(Dvc, other.Dvc)
        && (ReferenceEquals(Schema, other.Schema)
            || (Schema is not null && other.Schema is not null && Schema.SequenceEqual(other.Schema)));

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(Name, Sha256, SizeBytes, FileCount, SourcePath, RowCount, Schema?.Count);
}
