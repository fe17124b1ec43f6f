namespace MLOps.Artifacts;

/// <summary>A logical artifact path was rejected because a file system could read it as another place.</summary>
public sealed class InvalidArtifactPathException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The rejected path.</param>
    /// <param name="reason">Why it was rejected.</param>
    public InvalidArtifactPathException(string path, string reason)
        : base($"The artifact path '{Printable(path)}' is not allowed: {reason}.")
    {
        Path = path;
        Reason = reason;
    }

    /// <summary>Gets the rejected path, exactly as given.</summary>
    public string Path { get; }

    /// <summary>Gets why the path was rejected.</summary>
    public string Reason { get; }

    /// <summary>Escapes control characters so a hostile path cannot forge lines in a log.</summary>
    internal static string Printable(string path)
    {
        const int Shown = 200;
        var span = path.AsSpan(0, Math.Min(path.Length, Shown));
        var builder = new System.Text.StringBuilder(span.Length + 8);
        foreach (var c in span)
        {
            if (char.IsControl(c) || char.IsSurrogate(c) || c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069'))
            {
                builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        if (path.Length > Shown)
        {
            builder.Append("...");
        }

        return builder.ToString();
    }
}

/// <summary>No artifact is stored under the logical path.</summary>
public sealed class ArtifactNotFoundException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The logical path that was asked for.</param>
    public ArtifactNotFoundException(string path)
        : base($"No artifact is stored at '{path}'. Check the path, or list the store to see what it holds.")
    {
        Path = path;
    }

    /// <summary>Gets the logical path that was asked for.</summary>
    public string Path { get; }
}

/// <summary>
/// An artifact's bytes no longer match the SHA-256 recorded when it was stored (disk corruption or tampering).
/// </summary>
public sealed class ArtifactIntegrityException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The logical path that was read.</param>
    /// <param name="expectedSha256">The digest recorded at write time.</param>
    /// <param name="actualSha256">The digest of the bytes read, or a description when the length differs.</param>
    public ArtifactIntegrityException(string path, string expectedSha256, string actualSha256)
        : base($"The artifact '{path}' is corrupt: its SHA-256 was {expectedSha256} when stored but the stored bytes give {actualSha256}. Store it again from its source.")
    {
        Path = path;
        ExpectedSha256 = expectedSha256;
        ActualSha256 = actualSha256;
    }

    /// <summary>Gets the logical path that was read.</summary>
    public string Path { get; }

    /// <summary>Gets the SHA-256 (lowercase hex) recorded when the artifact was stored.</summary>
    public string ExpectedSha256 { get; }

    /// <summary>Gets the SHA-256 (lowercase hex) of the bytes that were read.</summary>
    public string ActualSha256 { get; }
}

/// <summary>
/// A logical path collides with another artifact: one is a prefix folder of the other
/// (<c>a/b</c> and <c>a/b/c</c> cannot both be artifacts, as on a file system).
/// </summary>
public sealed class ArtifactPathConflictException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The path being written.</param>
    /// <param name="conflictingPath">The existing artifact or folder it collides with.</param>
    public ArtifactPathConflictException(string path, string conflictingPath)
        : base($"Cannot store '{path}': '{conflictingPath}' already exists and one would have to be both a file and a folder. Choose another path or delete '{conflictingPath}' first.")
    {
        Path = path;
        ConflictingPath = conflictingPath;
    }

    /// <summary>Gets the path being written.</summary>
    public string Path { get; }

    /// <summary>Gets the existing artifact or folder it collides with.</summary>
    public string ConflictingPath { get; }
}
