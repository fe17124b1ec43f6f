using System.Net;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using MLOps.Inference;
using MLOps.Inference.Hosting;
using MLOps.Inference.OpenInference;
using Polly;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="IInferenceClient"/> implementations: remote (v2 over HTTP) or local, keyed by model name.</summary>
public static class OpenInferenceBuilderExtensions
{
    /// <summary>
    /// Registers a remote model as keyed <see cref="OpenInferenceClient"/> and keyed <see cref="IInferenceClient"/> under
    /// <paramref name="name"/>, with an <see cref="HttpClient"/> whose pipeline retries 503/429/timeouts/connection
    /// failures (honouring <c>Retry-After</c>) and limits each attempt (Microsoft.Extensions.Http.Resilience).
    /// </summary>
    /// <param name="builder">The MLOps builder.</param>
    /// <param name="name">The registration key; also the default model name.</param>
    /// <param name="configure">Sets the base address and, if it differs from <paramref name="name"/>, the model name.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <remarks>Safe to call twice for the same name (the first registration wins). Options are validated at start-up.</remarks>
    public static IMLOpsBuilder AddOpenInferenceClient(this IMLOpsBuilder builder, string name, Action<OpenInferenceClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);

        var services = builder.Services;
        if (services.Any(d => d.IsKeyedService && d.ServiceType == typeof(OpenInferenceClient) && Equals(d.ServiceKey, name)))
        {
            return builder;
        }

        services.AddOptions<OpenInferenceClientOptions>(name)
            .Configure(configure)
            .PostConfigure(o => o.ModelName ??= name)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OpenInferenceClientOptions>, OptionsValidator>());

        var httpName = HttpClientName(name);
        services.AddHttpClient(httpName)

            // The client lives as long as the container; recycling pooled connections lets it follow DNS changes
            // (a KServe service moving, a Triton pod replaced).
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
            .AddResilienceHandler("open-inference", (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptionsMonitor<OpenInferenceClientOptions>>().Get(name);
                if (options.MaxRetryAttempts > 0)
                {
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = options.MaxRetryAttempts,
                        Delay = options.RetryDelay,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        ShouldRetryAfterHeader = true,
                        ShouldHandle = static args => ValueTask.FromResult(IsTransient(args.Outcome)),
                    });
                }

                pipeline.AddTimeout(options.AttemptTimeout);
            });

        services.TryAddKeyedSingleton(name, static (sp, key) =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<OpenInferenceClientOptions>>().Get((string)key!);
            var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName((string)key!));

            // The pipeline's per-attempt timeout governs; HttpClient's own 100 s limit would cut retries short.
            http.Timeout = Timeout.InfiniteTimeSpan;
            return new OpenInferenceClient(http, options);
        });
        services.TryAddKeyedSingleton<IInferenceClient>(name, static (sp, key) => sp.GetRequiredKeyedService<OpenInferenceClient>(key));
        return builder;
    }

    /// <summary>
    /// Registers a keyed <see cref="IInferenceClient"/> under <paramref name="name"/> over the local model of the same
    /// name: the keyed <see cref="DynamicBatcher"/> of <c>AddOnnxInference</c> when there is one, else the keyed
    /// <see cref="ModelHost"/> of <c>AddModelHost</c>. Swap this call for <see cref="AddOpenInferenceClient"/> to move the model out of the process.
    /// </summary>
    /// <param name="builder">The MLOps builder.</param>
    /// <param name="name">The model's registration name.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <remarks>Resolving the client throws <see cref="InvalidOperationException"/> when neither a batcher nor a host is registered under the name.</remarks>
    public static IMLOpsBuilder AddLocalInferenceClient(this IMLOpsBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        builder.Services.TryAddKeyedSingleton<IInferenceClient>(name, static (sp, key) =>
            sp.GetKeyedService<DynamicBatcher>(key) is { } batcher ? new BatcherInferenceClient(batcher)
            : sp.GetKeyedService<ModelHost>(key) is { } host ? new ModelHostInferenceClient(host)
            : throw new InvalidOperationException($"No model is registered under '{key}'; call AddOnnxInference or AddModelHost with that name first."));
        return builder;
    }

    private const string ClientSuffix = ".open-inference";

    private static string HttpClientName(string name) => name + ClientSuffix;

    private static bool IsTransient(Outcome<HttpResponseMessage> outcome) =>
        outcome.Result?.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests
        || outcome.Exception is HttpRequestException or Polly.Timeout.TimeoutRejectedException;

    private sealed class OptionsValidator : IValidateOptions<OpenInferenceClientOptions>
    {
        public ValidateOptionsResult Validate(string? name, OpenInferenceClientOptions options)
        {
            var problems = new List<string>();
            if (options.BaseAddress is not { IsAbsoluteUri: true })
            {
                problems.Add($"Open Inference client '{name}': BaseAddress is '{options.BaseAddress}'; give an absolute http(s) address such as http://triton:8000/.");
            }

            if (options.MaxRetryAttempts < 0)
            {
                problems.Add($"Open Inference client '{name}': MaxRetryAttempts is {options.MaxRetryAttempts}; use 0 or more.");
            }

            if (options.RetryDelay < TimeSpan.Zero || options.AttemptTimeout <= TimeSpan.Zero)
            {
                problems.Add($"Open Inference client '{name}': RetryDelay must be 0 or more and AttemptTimeout positive (got {options.RetryDelay} and {options.AttemptTimeout}).");
            }

            if (options.MaxResponseBytes <= 0)
            {
                problems.Add($"Open Inference client '{name}': MaxResponseBytes is {options.MaxResponseBytes}; give a positive byte count.");
            }

            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
