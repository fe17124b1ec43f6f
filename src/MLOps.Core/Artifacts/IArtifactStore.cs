namespace MLOps.Artifacts;

/// <summary>
/// Stores artifacts (model files, reports, data snapshots) under logical paths, content-addressed by SHA-256.
/// </summary>
/// <remarks>
/// Implementations are thread-safe and safe to share across processes that use the same root. A put is atomic:
/// readers see the previous content or the new content, never a partial file, even if the writer is killed.
/// Identical content is stored once however many paths name it.
/// </remarks>
public interface IArtifactStore
{
    /// <summary>Streams <paramref name="content"/> into the store under <paramref name="path"/>, replacing any artifact there.</summary>
    /// <param name="path">The logical path (see <see cref="ArtifactPath"/>).</param>
    /// <param name="content">The bytes, read once from the current position to the end; never buffered whole.</param>
    /// <param name="cancellationToken">Cancels the write; nothing becomes visible.</param>
    /// <returns>What was stored, with its SHA-256 and length.</returns>
    /// <exception cref="InvalidArtifactPathException">The path is unsafe.</exception>
    /// <exception cref="ArtifactPathConflictException">The path collides with an existing artifact's folder or file.</exception>
    ValueTask<ArtifactInfo> PutAsync(string path, Stream content, CancellationToken cancellationToken = default);

    /// <summary>Opens an artifact for reading.</summary>
    /// <param name="path">The logical path.</param>
    /// <param name="verify">
    /// When <see langword="true"/>, the returned stream hashes what it reads and throws
    /// <see cref="ArtifactIntegrityException"/> at the end if the bytes differ from what was stored.
    /// </param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>A read-only stream the caller disposes.</returns>
    /// <exception cref="ArtifactNotFoundException">Nothing is stored at the path.</exception>
    ValueTask<Stream> OpenReadAsync(string path, bool verify = false, CancellationToken cancellationToken = default);

    /// <summary>Gets what is stored at a path, or <see langword="null"/> when nothing is.</summary>
    /// <param name="path">The logical path.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The artifact's metadata, or <see langword="null"/>.</returns>
    ValueTask<ArtifactInfo?> GetInfoAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Tells whether an artifact is stored at a path.</summary>
    /// <param name="path">The logical path.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns><see langword="true"/> when an artifact is stored there.</returns>
    ValueTask<bool> ExistsAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Lists the artifacts under a folder prefix, in ordinal order of their paths.</summary>
    /// <param name="prefix">A logical folder such as <c>runs/42</c>, or <see langword="null"/> for everything.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The artifacts, streamed.</returns>
    IAsyncEnumerable<ArtifactInfo> ListAsync(string? prefix = null, CancellationToken cancellationToken = default);

    /// <summary>Removes the artifact at a path. Its bytes stay until no path names them and garbage is collected.</summary>
    /// <param name="path">The logical path.</param>
    /// <param name="cancellationToken">Cancels the delete.</param>
    /// <returns><see langword="true"/> when an artifact was removed; <see langword="false"/> when there was none.</returns>
    ValueTask<bool> DeleteAsync(string path, CancellationToken cancellationToken = default);
}

/// <summary>What the store holds at one logical path.</summary>
/// <param name="Path">The logical path.</param>
/// <param name="Sha256">The SHA-256 of the content, lowercase hex.</param>
/// <param name="Length">The content length in bytes.</param>
/// <param name="CreatedAt">When this content was stored at this path.</param>
public sealed record ArtifactInfo(string Path, string Sha256, long Length, DateTimeOffset CreatedAt);
