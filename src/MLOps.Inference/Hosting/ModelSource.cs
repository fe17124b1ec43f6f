using MLOps.Artifacts;

namespace MLOps.Inference.Hosting;

/// <summary>Where one version of a model comes from: a file, an artifact in the store, or any stream.</summary>
/// <param name="Version">The version this source holds, reported with every result it serves.</param>
/// <param name="Description">Where it comes from, for errors and logs (never a secret).</param>
/// <param name="OpenAsync">Opens the ONNX bytes; the host reads the stream to its end and disposes it.</param>
public sealed record ModelSource(string Version, string Description, Func<CancellationToken, ValueTask<Stream>> OpenAsync)
{
    /// <summary>A model file on disk.</summary>
    /// <param name="path">The <c>.onnx</c> file.</param>
    /// <param name="version">The version it holds.</param>
    /// <returns>The source.</returns>
    public static ModelSource FromFile(string path, string version)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(version);
        return new ModelSource(version, $"file '{path}'", _ => ValueTask.FromResult<Stream>(File.OpenRead(path)));
    }

    /// <summary>
    /// A model artifact, read with SHA-256 verification: bytes that differ from what was stored fail the load with
    /// <see cref="DeploymentFailureKind.Integrity"/> instead of serving a tampered model.
    /// </summary>
    /// <param name="store">The artifact store.</param>
    /// <param name="artifactPath">The artifact's logical path.</param>
    /// <param name="version">The version it holds.</param>
    /// <returns>The source.</returns>
    public static ModelSource FromArtifact(IArtifactStore store, string artifactPath, string version)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(artifactPath);
        ArgumentException.ThrowIfNullOrEmpty(version);
        return new ModelSource(version, $"artifact '{artifactPath}'", ct => store.OpenReadAsync(artifactPath, verify: true, ct));
    }
}
