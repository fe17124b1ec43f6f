namespace MLOps.Datasets;

/// <summary>Thrown when a file or folder of a dataset could not be opened, listed or read while hashing it.</summary>
/// <remarks>
/// <see cref="MLOpsException.IsTransient"/> is <see langword="true"/> for I/O errors (a file replaced or deleted
/// while being hashed, a network share that dropped), <see langword="false"/> for denied access.
/// </remarks>
public sealed class DatasetReadException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The file or folder that could not be read.</param>
    /// <param name="innerException">The I/O or access failure.</param>
    public DatasetReadException(string path, Exception innerException)
        : base(
            $"Cannot read '{path}' while hashing the dataset: {innerException?.Message} "
            + (innerException is UnauthorizedAccessException
                ? "Grant read access to the file, or exclude it."
                : "If the data is being written, wait until it is complete and hash again."),
            isTransient: innerException is not UnauthorizedAccessException,
            innerException)
    {
        Path = path;
    }

    /// <summary>Gets the file or folder that could not be read.</summary>
    public string Path { get; }
}
