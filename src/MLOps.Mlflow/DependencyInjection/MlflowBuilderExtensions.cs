using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MLOps;
using MLOps.Artifacts;
using MLOps.Mlflow;
using MLOps.Registry;
using MLOps.Tracking;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the MLflow backends: <c>services.AddMLOps().AddTracking().AddRegistry().AddMlflow(o => o.TrackingUri = ...)</c>.</summary>
public static class MlflowBuilderExtensions
{
    /// <summary>The name of the <see cref="HttpClient"/> the MLflow client uses (through <see cref="IHttpClientFactory"/>).</summary>
    public const string HttpClientName = "MLOps.Mlflow";

    /// <summary>
    /// Switches <see cref="ITrackingStore"/> and <see cref="IModelRegistry"/> to an MLflow server (whether
    /// <c>AddTracking</c>/<c>AddRegistry</c> are called before or after), and registers <see cref="MlflowClient"/>,
    /// <see cref="MlflowTrackingStore"/>, <see cref="MlflowModelRegistry"/> and <see cref="MlflowArtifactStore"/> as
    /// singletons. The HTTP client gets the standard resilience handler configured from <see cref="MlflowOptions"/>:
    /// retries with exponential backoff and jitter on 408/429/5xx and network errors, honouring <c>Retry-After</c>;
    /// per-attempt and total timeouts; a circuit breaker. Unset options are read from MLflow's environment variables.
    /// Options are validated at start-up. Safe to call twice (the last configuration adds to the first).
    /// </summary>
    /// <param name="builder">The suite builder.</param>
    /// <param name="configure">Sets the options, or <see langword="null"/> to use only the environment.</param>
    /// <returns>The builder.</returns>
    public static IMLOpsBuilder AddMlflow(this IMLOpsBuilder builder, Action<MlflowOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<MlflowOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.PostConfigure(static o => o.ApplyEnvironment()).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MlflowOptions>, Validator>());
        services.TryAddSingleton(TimeProvider.System);

        if (!services.Any(static d => d.ServiceType == typeof(MlflowClient)))
        {
            // The factory's own request logging is removed: even with redaction its structured state carries the raw
            // header values (the Authorization token) to any sink that exports state. MlflowClient logs failures itself.
            services.AddHttpClient(HttpClientName, static http => http.Timeout = Timeout.InfiniteTimeSpan)
                .RemoveAllLoggers()
                .RedactLoggedHeaders(static _ => true)
                .AddStandardResilienceHandler()
                .Configure(static (HttpStandardResilienceOptions r, IServiceProvider sp) =>
                {
                    var o = sp.GetRequiredService<IOptions<MlflowOptions>>().Value;
                    r.Retry.MaxRetryAttempts = Math.Max(1, o.MaxRetries);
                    r.Retry.Delay = o.RetryBaseDelay;
                    r.Retry.BackoffType = Polly.DelayBackoffType.Exponential;
                    r.Retry.UseJitter = true;
                    r.Retry.ShouldRetryAfterHeader = true;
                    if (o.MaxRetries == 0)
                    {
                        r.Retry.ShouldHandle = static _ => ValueTask.FromResult(false);
                    }

                    r.AttemptTimeout.Timeout = o.AttemptTimeout;
                    r.TotalRequestTimeout.Timeout = o.TotalTimeout > o.AttemptTimeout ? o.TotalTimeout : o.AttemptTimeout + TimeSpan.FromSeconds(1);
                    r.CircuitBreaker.SamplingDuration = TimeSpan.FromTicks(Math.Max(r.CircuitBreaker.SamplingDuration.Ticks, (o.AttemptTimeout * 2).Ticks + TimeSpan.TicksPerSecond));
                });

            // One client for the process: HttpClient keeps connections alive (MLflow's issue 1867: a TLS handshake per call).
            services.AddSingleton(static sp => new MlflowClient(
                sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName),
                sp.GetRequiredService<IOptions<MlflowOptions>>().Value,
                sp.GetService<ILogger<MlflowClient>>()));
        }

        services.TryAddSingleton(static sp => new MlflowArtifactStore(
            sp.GetRequiredService<MlflowClient>(),
            sp.GetRequiredService<IOptions<MlflowOptions>>().Value.ArtifactRoot,
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(static sp => new MlflowTrackingStore(sp.GetRequiredService<MlflowClient>()));
        services.TryAddSingleton(static sp => new MlflowModelRegistry(
            sp.GetRequiredService<MlflowClient>(),
            sp.GetRequiredService<MlflowArtifactStore>(),
            sp.GetRequiredService<TimeProvider>()));

        services.RemoveAll<ITrackingStore>();
        services.AddSingleton<ITrackingStore>(static sp => sp.GetRequiredService<MlflowTrackingStore>());
        services.RemoveAll<IModelRegistry>();
        services.AddSingleton<IModelRegistry>(static sp => sp.GetRequiredService<MlflowModelRegistry>());
        return builder;
    }

    /// <summary>Registers the MLflow backends with options bound from configuration (keys as <see cref="MlflowOptions"/>' properties).</summary>
    /// <param name="builder">The suite builder.</param>
    /// <param name="section">The section, for example <c>configuration.GetSection("Mlflow")</c>.</param>
    /// <returns>The builder.</returns>
    public static IMLOpsBuilder AddMlflow(this IMLOpsBuilder builder, Microsoft.Extensions.Configuration.IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        builder.Services.AddOptions<MlflowOptions>().Bind(section);
        return builder.AddMlflow();
    }

    /// <summary>Also replaces the suite's <see cref="IArtifactStore"/> with the mlflow-artifacts proxy (<see cref="MlflowArtifactStore"/>).</summary>
    /// <param name="builder">The suite builder, after <c>AddMlflow</c>.</param>
    /// <returns>The builder.</returns>
    public static IMLOpsBuilder UseMlflowArtifactStore(this IMLOpsBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<IArtifactStore>();
        builder.Services.AddSingleton<IArtifactStore>(static sp => sp.GetRequiredService<MlflowArtifactStore>());
        return builder;
    }

    private sealed class Validator : IValidateOptions<MlflowOptions>
    {
        public ValidateOptionsResult Validate(string? name, MlflowOptions options)
        {
            var problems = options.Validate().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
