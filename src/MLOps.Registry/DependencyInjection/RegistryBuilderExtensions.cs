using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MLOps;
using MLOps.Artifacts;
using MLOps.Registry;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the embedded model registry.</summary>
public static class RegistryBuilderExtensions
{
    /// <summary>
    /// Registers <see cref="SqliteModelRegistry"/> as <see cref="IModelRegistry"/> and a <see cref="PromotionGate"/>,
    /// singletons created on first resolve, with options validated at start-up. Also registers the local artifact
    /// store (<see cref="ArtifactStoreBuilderExtensions.AddLocalArtifactStore"/>) unless an <see cref="IArtifactStore"/>
    /// is already registered, and uses an <see cref="ILineageSource"/> when one is registered. Safe to call twice.
    /// </summary>
    /// <param name="builder">The MLOps builder.</param>
    /// <param name="configure">Sets the options, e.g. <c>o =&gt; o.UseSqlite(".mlops/mlops.db")</c>; without it the database is <c>mlops.db</c> under <see cref="MLOpsOptions.RootDirectory"/>.</param>
    /// <returns>The same builder.</returns>
    /// <example>
    /// <code>
    /// services.AddMLOps().AddRegistry(o => o.UseSqlite(".mlops/mlops.db"));
    /// var registry = provider.GetRequiredService&lt;IModelRegistry&gt;();
    /// </code>
    /// </example>
    public static IMLOpsBuilder AddRegistry(this IMLOpsBuilder builder, Action<RegistryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<RegistryOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<RegistryOptions>, DefaultDatabase>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RegistryOptions>, Validator>());
        builder.AddLocalArtifactStore();
        services.TryAddSingleton(static sp => new SqliteModelRegistry(
            sp.GetRequiredService<IOptions<RegistryOptions>>().Value,
            sp.GetRequiredService<IArtifactStore>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<IMeterFactory>(),
            sp.GetService<ILineageSource>()));
        services.TryAddSingleton<IModelRegistry>(static sp => sp.GetRequiredService<SqliteModelRegistry>());
        services.TryAddSingleton(static sp => new PromotionGate(sp.GetRequiredService<IModelRegistry>(), sp.GetService<TimeProvider>(), sp.GetService<IMeterFactory>()));
        return builder;
    }

    private sealed class DefaultDatabase(IOptions<MLOpsOptions> root) : IPostConfigureOptions<RegistryOptions>
    {
        public void PostConfigure(string? name, RegistryOptions options)
        {
            if (string.IsNullOrWhiteSpace(options.ConnectionString))
            {
                options.UseSqlite(Path.Combine(root.Value.RootDirectory, "mlops.db"));
            }
        }
    }

    private sealed class Validator : IValidateOptions<RegistryOptions>
    {
        public ValidateOptionsResult Validate(string? name, RegistryOptions options)
        {
            var problems = options.Validate().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
