using System.Globalization;
using System.Runtime.CompilerServices;
using MLOps.Registry;

namespace MLOps.Inference.Hosting;

/// <summary>Connects a <see cref="ModelHost"/> to the model registry.</summary>
public static class ModelHostRegistryExtensions
{
    /// <summary>
    /// Serves whatever a registry URI resolves to: deploys its current version, then every version it moves to
    /// (an alias re-pointed, a stage transition, a rollback), until cancelled. Changes made through the same
    /// registry instance arrive at once; changes from other processes within the registry's poll interval.
    /// </summary>
    /// <remarks>
    /// Artifacts are opened through the registry, which verifies their SHA-256; a version that fails to open, verify
    /// or load is logged and skipped, and the host keeps serving the version it had. When the URI stops resolving
    /// (alias deleted), the host also keeps serving the last version.
    /// </remarks>
    /// <param name="host">The host.</param>
    /// <param name="registry">The registry.</param>
    /// <param name="uri">An alias or stage URI, e.g. <c>models:/fraud@champion</c> or <c>models:/fraud/Production</c>.</param>
    /// <param name="cancellationToken">Stops following (the task then ends with <see cref="OperationCanceledException"/>).</param>
    /// <returns>A task that runs until cancelled.</returns>
    public static Task FollowAsync(this ModelHost host, IModelRegistry registry, ModelUri uri, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(uri);
        return host.FollowAsync(SourcesAsync(registry, uri, cancellationToken), cancellationToken);
    }

    /// <summary>A registered model version, opened through the registry (SHA-256 verified).</summary>
    /// <param name="registry">The registry.</param>
    /// <param name="name">The registered model.</param>
    /// <param name="version">The version number, which the host reports as the served version.</param>
    /// <returns>The source.</returns>
    public static ModelSource FromRegistry(IModelRegistry registry, string name, int version)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new ModelSource(
            version.ToString(CultureInfo.InvariantCulture),
            $"registry version models:/{name}/{version}",
            ct => registry.OpenArtifactAsync(name, version, ct));
    }

    private static async IAsyncEnumerable<ModelSource> SourcesAsync(IModelRegistry registry, ModelUri uri, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var version in registry.WatchResolutionAsync(uri, cancellationToken).ConfigureAwait(false))
        {
            if (version is not null)
            {
                yield return FromRegistry(registry, version.Name, version.Version);
            }
        }
    }
}
