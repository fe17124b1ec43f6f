namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Configures the MLOps.Sdk services of one host. Returned by
/// <see cref="MLOpsServiceCollectionExtensions.AddMLOps(IServiceCollection)"/>; each package adds its own
/// extension methods (<c>AddTracking</c>, <c>AddRegistry</c>, <c>AddOnnxInference</c>, ...).
/// </summary>
public interface IMLOpsBuilder
{
    /// <summary>Gets the service collection the suite registers into.</summary>
    IServiceCollection Services { get; }
}
