using System.Runtime.CompilerServices;

namespace MLOps.Registry;

/// <summary>Conveniences over <see cref="IModelRegistry"/>.</summary>
public static class ModelRegistryExtensions
{
    /// <summary>Resolves a model URI given as text (see <see cref="ModelUri.Parse"/>).</summary>
    /// <param name="registry">The registry.</param>
    /// <param name="uri">The URI, e.g. <c>models:/fraud@champion</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The version.</returns>
    /// <exception cref="ModelUriFormatException">The URI is invalid.</exception>
    /// <exception cref="ModelNotFoundException">It resolves to nothing.</exception>
    public static ValueTask<ModelVersion> ResolveAsync(this IModelRegistry registry, string uri, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.ResolveAsync(ModelUri.Parse(uri), cancellationToken);
    }

    /// <summary>
    /// Follows what a model URI resolves to, for hot-swapping a served model: yields the current resolution first,
    /// then a new value each time the URI comes to resolve to another version, until cancelled.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Built on <see cref="IModelRegistry.WatchAsync"/>: changes made through the same registry instance arrive at
    /// once, changes from other processes within one poll interval. Only changes that can move the URI trigger a
    /// re-resolution (for <c>@alias</c>, that alias; for a stage, any stage change of the model; for a fixed
    /// version, a deletion). Consecutive duplicates are suppressed, so every yielded value is a real switch.
    /// </para>
    /// <para>
    /// A <see langword="null"/> item means the URI resolves to nothing now (the alias was deleted, the stage
    /// emptied, the model deleted): keep serving the last version or switch to a fallback. <c>models:/name/latest</c>
    /// is not supported because registering a version is not an assignment; point an alias at new versions instead.
    /// </para>
    /// <example>
    /// <code>
    /// await foreach (var version in registry.WatchResolutionAsync(ModelUri.Parse("models:/fraud@champion"), stopping))
    /// {
    ///     if (version is not null) { await using var onnx = await registry.OpenArtifactAsync(version.Name, version.Version, stopping); /* load, swap */ }
    /// }
    /// </code>
    /// </example>
    /// </remarks>
    /// <param name="registry">The registry.</param>
    /// <param name="uri">The URI to follow.</param>
    /// <param name="cancellationToken">Ends the stream (with <see cref="OperationCanceledException"/>).</param>
    /// <returns>The resolutions, current one first.</returns>
    /// <exception cref="ArgumentException"><paramref name="uri"/> is a <c>latest</c> URI.</exception>
    public static IAsyncEnumerable<ModelVersion?> WatchResolutionAsync(this IModelRegistry registry, ModelUri uri, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(uri);
        if (uri.Kind == ModelUriKind.Latest)
        {
            throw new ArgumentException($"'{uri}' cannot be watched: registering a version is not an assignment. Point an alias at new versions and watch models:/{uri.Name}@<alias>.", nameof(uri));
        }

        return WatchResolutionCore(registry, uri, cancellationToken);
    }

    private static async IAsyncEnumerable<ModelVersion?> WatchResolutionCore(IModelRegistry registry, ModelUri uri, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Read the position first: a change committed while we resolve is then seen by the feed, never lost.
        var after = await registry.GetLastSequenceAsync(cancellationToken).ConfigureAwait(false);
        var current = await TryResolveAsync(registry, uri, cancellationToken).ConfigureAwait(false);
        yield return current;
        await foreach (var change in registry.WatchAsync(uri.Name, after, cancellationToken).ConfigureAwait(false))
        {
            var relevant = uri.Kind switch
            {
                ModelUriKind.Alias => change.Target.Kind == AssignmentTargetKind.Alias && change.Target.Name == uri.Alias,
                ModelUriKind.Stage => change.Target.Kind == AssignmentTargetKind.Stage,
                _ => change.Action == AssignmentAction.Removed,
            };
            if (!relevant)
            {
                continue;
            }

            var next = await TryResolveAsync(registry, uri, cancellationToken).ConfigureAwait(false);
            if (next?.Version != current?.Version)
            {
                current = next;
                yield return current;
            }
        }
    }

    private static async ValueTask<ModelVersion?> TryResolveAsync(IModelRegistry registry, ModelUri uri, CancellationToken cancellationToken)
    {
        try
        {
            return await registry.ResolveAsync(uri, cancellationToken).ConfigureAwait(false);
        }
        catch (ModelNotFoundException)
        {
            return null;
        }
    }
}
