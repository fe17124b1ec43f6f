using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MLOps.Inference;

/// <summary>
/// Reports a named model ready once it has loaded and warmed up, and unhealthy when loading failed.
/// </summary>
/// <remarks>
/// Register it with the host's health checks, e.g.
/// <c>services.AddHealthChecks().Add(new HealthCheckRegistration("fraud", sp =&gt; new OnnxModelHealthCheck(sp, "fraud"), null, ["ready"]))</c>.
/// The first check loads the model if nothing has resolved it yet.
/// </remarks>
public sealed class OnnxModelHealthCheck : IHealthCheck
{
    private readonly IServiceProvider _services;
    private readonly string _name;

    /// <summary>Creates the check for the model registered under <paramref name="name"/>.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="name">The model's service key.</param>
    public OnnxModelHealthCheck(IServiceProvider services, string name)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _services = services;
        _name = name;
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var batcher = _services.GetRequiredKeyedService<DynamicBatcher>(_name);
            var model = batcher.Model;
            var data = new Dictionary<string, object>
            {
                ["model"] = model.Name,
                ["version"] = model.Version,
                ["provider"] = model.ActiveProvider.ToString(),
                ["queue_depth"] = batcher.QueueDepth,
            };
            var description = model.FallbackReason is null
                ? $"Model '{model.Name}' version {model.Version} is warmed up on {model.ActiveProvider}."
                : $"Model '{model.Name}' version {model.Version} is warmed up on the CPU; CUDA was not used: {model.FallbackReason}";
            return Task.FromResult(HealthCheckResult.Healthy(description, data));
        }
        catch (MLOpsException ex)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"Model '{_name}' is not available: {ex.Message}", ex));
        }
    }
}
