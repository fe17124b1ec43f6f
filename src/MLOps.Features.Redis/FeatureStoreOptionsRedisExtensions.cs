using MLOps.Features.Online;
using MLOps.Features.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Selects the Redis online store in <c>AddFeatureStore</c>.</summary>
public static class FeatureStoreOptionsRedisExtensions
{
    /// <summary>
    /// Uses <see cref="RedisOnlineStore"/> as the online store and watermark store: created once when first resolved
    /// (it connects on first use), with the container's <see cref="TimeProvider"/>, and disposed with the container.
    /// The options are checked here, so a bad configuration fails at start-up.
    /// </summary>
    /// <param name="options">The feature store options.</param>
    /// <param name="configure">Sets the project, endpoints, credentials, TLS and timeouts.</param>
    /// <returns>The same options.</returns>
    /// <exception cref="ArgumentException">The Redis options are invalid; the message lists why.</exception>
    /// <example><code>
    /// services.AddMLOps().AddFeatureStore(o => o.UseCatalogue(catalogue)
    ///     .UseRedisOnlineStore(r => r.Use("my_project", "localhost:6379")));
    /// </code></example>
    public static FeatureStoreOptions UseRedisOnlineStore(this FeatureStoreOptions options, Action<RedisOnlineStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configure);
        var redis = new RedisOnlineStoreOptions();
        configure(redis);
        var errors = redis.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(configure));
        }

        return options.UseOnlineStore(sp => new RedisOnlineStore(redis, sp.GetService<TimeProvider>()));
    }

    /// <summary>Uses <see cref="RedisOnlineStore"/> for a Feast project at one endpoint, with default options.</summary>
    /// <param name="options">The feature store options.</param>
    /// <param name="project">The Feast project name.</param>
    /// <param name="endpoint">The endpoint, <c>host:port</c>.</param>
    /// <returns>The same options.</returns>
    /// <exception cref="ArgumentException">The project or endpoint is blank.</exception>
    public static FeatureStoreOptions UseRedisOnlineStore(this FeatureStoreOptions options, string project, string endpoint) =>
        options.UseRedisOnlineStore(r => r.Use(project, endpoint));
}
