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
    /// retries with exponential backoff and jitter, honouring <c>Retry-After</c> — a GET on 408/429/5xx, network errors and
    /// attempt timeouts, any other method only on 408/429/503 or a refused connection (when MLflow certainly did not apply it);
    /// per-attempt and total timeouts; a circuit breaker. Unset options are read from MLflow's environment variables.
    /// Options are validated at start-up. Safe to call twice (the last configuration adds to the first).
    /// </summary>
    /// <param name="builder">The suite builder.</param>
    /// <param name="configure">Sets the options, or <see langword="null"/> to use only the environment.</param>
    /// <returns>The builder.</returns>
    public static IMLOpsBuilder AddMlflow(this IMLOpsBuilder builder, Action<MlflowOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddMlflowServices(builder, configure);
        UseMlflowTrackingStore(builder.Services);
        UseMlflowModelRegistry(builder.Services);
        return builder;
    }

    /// <summary>
    /// Registers tracking (<see cref="TrackingBuilderExtensions.AddTracking"/>) with an MLflow server as its store:
    /// <c>services.AddMLOps().AddTracking(o =&gt; o.UseMlflow(new Uri("http://mlflow:5000")))</c>. The server, client and
    /// resilience are registered as by <see cref="AddMlflow(IMLOpsBuilder, Action{MlflowOptions}?)"/>, but only
    /// <see cref="ITrackingStore"/> is switched (the registry stays as registered).
    /// </summary>
    /// <param name="builder">The suite builder.</param>
    /// <param name="configure">
    /// Sets the tracking options and returns <see cref="MlflowBackendExtensions.UseMlflow(TrackingOptions, Uri)"/>'s
    /// choice. It runs once here, on scratch options, to read the chosen server, and again when the options are built.
    /// </param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The delegate returned <see langword="null"/>.</exception>
    /// <example>
    /// <code>
    /// services.AddMLOps().AddTracking(o =&gt;
    /// {
    ///     o.Tracker.FlushInterval = TimeSpan.FromSeconds(2);
    ///     return o.UseMlflow(new Uri("http://mlflow:5000"));
    /// });
    /// </code>
    /// </example>
    public static IMLOpsBuilder AddTracking(this IMLOpsBuilder builder, Func<TrackingOptions, MlflowBackendChoice> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var choice = configure(new TrackingOptions()) ?? throw new ArgumentException("The AddTracking delegate returned null; return o.UseMlflow(uri).", nameof(configure));
        Action<TrackingOptions> tracking = o => configure(o);
        TrackingBuilderExtensions.AddTracking(builder, tracking);
        AddMlflowServices(builder, choice.Configure);
        UseMlflowTrackingStore(builder.Services);
        return builder;
    }

    /// <summary>
    /// Registers the model registry (<see cref="RegistryBuilderExtensions.AddRegistry"/>, with its promotion gate) with
    /// an MLflow server as its store: <c>services.AddMLOps().AddRegistry(o =&gt; o.UseMlflow(new Uri("http://mlflow:5000")))</c>.
    /// Only <see cref="IModelRegistry"/> is switched (the tracking store stays as registered).
    /// </summary>
    /// <param name="builder">The suite builder.</param>
    /// <param name="configure">
    /// Sets the registry options and returns <see cref="MlflowBackendExtensions.UseMlflow(RegistryOptions, Uri)"/>'s
    /// choice. It runs once here, on scratch options, to read the chosen server, and again when the options are built.
    /// </param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The delegate returned <see langword="null"/>.</exception>
    public static IMLOpsBuilder AddRegistry(this IMLOpsBuilder builder, Func<RegistryOptions, MlflowBackendChoice> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var choice = configure(new RegistryOptions()) ?? throw new ArgumentException("The AddRegistry delegate returned null; return o.UseMlflow(uri).", nameof(configure));
        Action<RegistryOptions> registry = o => configure(o);
        RegistryBuilderExtensions.AddRegistry(builder, registry);
        AddMlflowServices(builder, choice.Configure);
        UseMlflowModelRegistry(builder.Services);
        return builder;
    }

    /// <summary>
    /// The HTTP layer's retry rule. A GET is retried on every transient outcome (408, 429, 5xx, network failure,
    /// attempt timeout). A POST, PATCH, PUT or DELETE is retried only when the server certainly did not apply it: a
    /// 408, 429 or 503 answer, or a connection that could not be opened. After a 500/502/504, a timeout or a dropped
    /// connection the request may have been applied, so it is not re-sent here (a re-sent <c>log-batch</c> would deliver
    /// its points twice); the caller gets an <see cref="MlflowTransientException"/> and decides (the tracker retries the
    /// batch; MLflow's SQL store keys metric rows by value, so a re-sent batch is still stored once).
    /// </summary>
    internal static bool ShouldRetry(Polly.Outcome<HttpResponseMessage> outcome, Polly.ResilienceContext context)
    {
        // MlflowClient marks each request's resilience context with whether re-sending it is safe (GET/HEAD).
        var safe = context.Properties.TryGetValue(MlflowClient.SafeToResendKey, out var flag) ? flag
            : outcome.Result?.RequestMessage is { } request && (request.Method == HttpMethod.Get || request.Method == HttpMethod.Head);
        if (outcome.Result is { } response)
        {
            return (int)response.StatusCode is 408 or 429 or 503 || (safe && HttpClientResiliencePredicates.IsTransient(outcome));
        }

        if (outcome.Exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError })
        {
            return true;
        }

        return safe && HttpClientResiliencePredicates.IsTransient(outcome);
    }

    private static void UseMlflowTrackingStore(IServiceCollection services)
    {
        services.RemoveAll<ITrackingStore>();
        services.AddSingleton<ITrackingStore>(static sp => sp.GetRequiredService<MlflowTrackingStore>());
    }

    private static void UseMlflowModelRegistry(IServiceCollection services)
    {
        services.RemoveAll<IModelRegistry>();
        services.AddSingleton<IModelRegistry>(static sp => sp.GetRequiredService<MlflowModelRegistry>());
    }

    private static void AddMlflowServices(IMLOpsBuilder builder, Action<MlflowOptions>? configure)
    {
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
                    r.Retry.ShouldHandle = o.MaxRetries == 0
                        ? static _ => ValueTask.FromResult(false)
                        : static args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.Context));

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
