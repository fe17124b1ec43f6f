using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MLOps;
using MLOps.Artifacts;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the local, content-addressed artifact store.</summary>
public static class ArtifactStoreBuilderExtensions
{
    /// <summary>
    /// Registers <see cref="LocalArtifactStore"/> as the <see cref="IArtifactStore"/> singleton, rooted at
    /// <see cref="LocalArtifactStoreOptions.RootDirectory"/> or, when unset, <c>artifacts</c> under
    /// <see cref="MLOpsOptions.RootDirectory"/>. Safe to call more than once; the first store registered wins.
    /// </summary>
    /// <param name="builder">The MLOps builder.</param>
    /// <param name="configure">Configures the store; optional.</param>
    /// <returns>The same builder.</returns>
    public static IMLOpsBuilder AddLocalArtifactStore(this IMLOpsBuilder builder, Action<LocalArtifactStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<LocalArtifactStoreOptions>()
            .Validate(static o => o.BufferSize is >= 4 << 10 and <= 64 << 20, "LocalArtifactStoreOptions.BufferSize must be between 4 KiB and 64 MiB.")
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddSingleton<IArtifactStore>(static sp =>
        {
            var store = sp.GetRequiredService<IOptions<LocalArtifactStoreOptions>>().Value;
            var root = store.RootDirectory ?? Path.Combine(sp.GetRequiredService<IOptions<MLOpsOptions>>().Value.RootDirectory, "artifacts");
            return new LocalArtifactStore(
                new LocalArtifactStoreOptions { RootDirectory = root, BufferSize = store.BufferSize, FlushToDisk = store.FlushToDisk },
                sp.GetRequiredService<TimeProvider>());
        });
        return builder;
    }
}
