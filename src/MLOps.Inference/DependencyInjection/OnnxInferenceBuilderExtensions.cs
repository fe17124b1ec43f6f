using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MLOps.Inference;
using MLOps.Inference.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ONNX models served through a <see cref="DynamicBatcher"/>.</summary>
public static class OnnxInferenceBuilderExtensions
{
    /// <summary>
    /// Serves one named ONNX model: registers a keyed <see cref="OnnxModel"/> and a keyed <see cref="DynamicBatcher"/>
    /// (key = <paramref name="name"/>), with options validated at start-up. The model loads and warms up when the
    /// batcher is first resolved (or when <see cref="OnnxModelHealthCheck"/> first runs). Calling again with the same
    /// name only adds configuration.
    /// </summary>
    /// <param name="builder">The MLOps builder.</param>
    /// <param name="name">The model's service key, e.g. <c>fraud</c>.</param>
    /// <param name="configure">Sets the model path and options.</param>
    /// <returns>The same builder.</returns>
    /// <example>
    /// <code>
    /// services.AddMLOps().AddOnnxInference("fraud", o =>
    /// {
    ///     o.ModelPath = "models/fraud.onnx";
    ///     o.Batching.MaxBatchSize = 64;
    ///     o.Batching.MaxQueueDelay = TimeSpan.FromMilliseconds(2);
    /// });
    /// var batcher = provider.GetRequiredKeyedService&lt;DynamicBatcher&gt;("fraud");
    /// </code>
    /// </example>
    public static IMLOpsBuilder AddOnnxInference(this IMLOpsBuilder builder, string name, Action<OnnxInferenceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);

        var services = builder.Services;
        services.AddOptions<OnnxInferenceOptions>(name).Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OnnxInferenceOptions>, OnnxInferenceOptionsValidator>());
        services.TryAddKeyedSingleton(name, static (sp, key) =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<OnnxInferenceOptions>>().Get((string)key!);
            var logger = sp.GetService<ILoggerFactory>()?.CreateLogger("MLOps.Inference");
            options.Model.Name ??= (string)key!;
            return OnnxModel.Load(options.ModelPath!, options.Model, logger);
        });
        services.TryAddKeyedSingleton(name, static (sp, key) =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<OnnxInferenceOptions>>().Get((string)key!);
            return new DynamicBatcher(
                sp.GetRequiredKeyedService<OnnxModel>(key),
                options.Batching,
                sp.GetService<TimeProvider>(),
                sp.GetService<IMeterFactory>());
        });
        return builder;
    }

    /// <summary>
    /// Registers a keyed <see cref="ModelHost"/> (key = <paramref name="name"/>): a named model served across versions
    /// with hot-swap, rollback, a fallback chain, canary and shadow traffic. The host starts empty; deploy the first
    /// version with <see cref="ModelHost.DeployAsync"/> (or <see cref="ModelHost.FollowAsync"/> a registry alias).
    /// </summary>
    /// <param name="builder">The MLOps builder.</param>
    /// <param name="name">The model's service key and name.</param>
    /// <param name="configure">Configures the host; optional.</param>
    /// <returns>The same builder.</returns>
    public static IMLOpsBuilder AddModelHost(this IMLOpsBuilder builder, string name, Action<ModelHostOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        var options = builder.Services.AddOptions<ModelHostOptions>(name).ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelHostOptions>, ModelHostOptionsValidator>());
        builder.Services.TryAddKeyedSingleton(name, static (sp, key) => new ModelHost(
            (string)key!,
            sp.GetRequiredService<IOptionsMonitor<ModelHostOptions>>().Get((string)key!),
            sp.GetService<TimeProvider>(),
            sp.GetService<IMeterFactory>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger("MLOps.Inference")));
        return builder;
    }

    private sealed class ModelHostOptionsValidator : IValidateOptions<ModelHostOptions>
    {
        public ValidateOptionsResult Validate(string? name, ModelHostOptions options)
        {
            var problems = new List<string>(options.Batching.Validate());
            if (options.RequestTimeout is { } timeout && timeout <= TimeSpan.Zero)
            {
                problems.Add($"Model host '{name}': RequestTimeout is {timeout}; give a positive time, or null for none.");
            }

            if (options.ShadowTolerance < 0 || double.IsNaN(options.ShadowTolerance))
            {
                problems.Add($"Model host '{name}': ShadowTolerance is {options.ShadowTolerance}; use 0 or more.");
            }

            if (options.MaxShadowInFlight < 1)
            {
                problems.Add($"Model host '{name}': MaxShadowInFlight is {options.MaxShadowInFlight}; use at least 1 (mirroring is bounded).");
            }

            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }

    private sealed class OnnxInferenceOptionsValidator : IValidateOptions<OnnxInferenceOptions>
    {
        public ValidateOptionsResult Validate(string? name, OnnxInferenceOptions options)
        {
            var problems = new List<string>(options.Batching.Validate());
            if (string.IsNullOrWhiteSpace(options.ModelPath))
            {
                problems.Insert(0, $"Model '{name}': ModelPath is not set; point it at the .onnx file.");
            }
            else if (!File.Exists(options.ModelPath))
            {
                problems.Insert(0, $"Model '{name}': ModelPath '{options.ModelPath}' does not exist.");
            }

            if (options.Model.WarmupRuns < 0)
            {
                problems.Add($"Model '{name}': WarmupRuns is {options.Model.WarmupRuns}; use 0 or more.");
            }

            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
