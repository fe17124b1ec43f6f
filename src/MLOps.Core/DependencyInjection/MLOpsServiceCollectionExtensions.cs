using Microsoft.Extensions.DependencyInjection.Extensions;
using MLOps;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the MLOps.Sdk core services.</summary>
public static class MLOpsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the core services (a <see cref="TimeProvider"/>, <see cref="MLOpsOptions"/>) and returns a builder
    /// that the other packages extend. Safe to call more than once; nothing is created until resolved.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The builder for chaining package registrations.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    public static IMLOpsBuilder AddMLOps(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<MLOpsOptions>().Validate(
            static o => !string.IsNullOrWhiteSpace(o.RootDirectory),
            $"{nameof(MLOpsOptions)}.{nameof(MLOpsOptions.RootDirectory)} must name a folder; leave it unset for the default '.mlops'.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        return new MLOpsBuilder(services);
    }

    /// <summary>
    /// Adds the core services and configures <see cref="MLOpsOptions"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the suite-wide options.</param>
    /// <returns>The builder for chaining package registrations.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IMLOpsBuilder AddMLOps(this IServiceCollection services, Action<MLOpsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddMLOps();
        services.Configure(configure);
        return builder;
    }

    private sealed class MLOpsBuilder(IServiceCollection services) : IMLOpsBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
