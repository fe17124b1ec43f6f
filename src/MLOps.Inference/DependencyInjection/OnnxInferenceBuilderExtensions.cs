using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MLOps.Inference;

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
