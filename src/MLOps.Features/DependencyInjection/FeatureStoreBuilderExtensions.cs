using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using MLOps;
using MLOps.Features;
using MLOps.Features.Feast;
using MLOps.Features.Materialization;
using MLOps.Features.Online;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Options of <c>AddFeatureStore</c>.</summary>
public sealed class FeatureStoreOptions
{
    /// <summary>Gets or sets the definitions; required.</summary>
    public FeatureCatalogue? Catalogue { get; set; }

    /// <summary>Gets or sets the SQLite online store file; default <c>features/online.db</c> under <see cref="MLOpsOptions.RootDirectory"/>.</summary>
    public string? OnlineStorePath { get; set; }

    /// <summary>
    /// Gets or sets a factory of another online store (for example <c>UseRedisOnlineStore</c> of MLOps.Features.Redis);
    /// <see langword="null"/> (default) uses the embedded SQLite store. When the store also implements
    /// <see cref="IMaterializationWatermarkStore"/> it keeps the watermarks too; otherwise the SQLite file keeps them.
    /// The container disposes the store it creates.
    /// </summary>
    public Func<IServiceProvider, IOnlineStore>? OnlineStoreFactory { get; set; }

    /// <summary>Gets the materialization options (batch size 10,000 by default).</summary>
    public MaterializationOptions Materialization { get; } = new();

    /// <summary>Sets the definitions.</summary>
    /// <param name="catalogue">The catalogue.</param>
    /// <returns>These options.</returns>
    public FeatureStoreOptions UseCatalogue(FeatureCatalogue catalogue)
    {
        Catalogue = catalogue;
        return this;
    }

    /// <summary>Uses the embedded SQLite online store at <paramref name="path"/>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>These options.</returns>
    public FeatureStoreOptions UseSqlite(string path)
    {
        OnlineStorePath = path;
        return this;
    }

    /// <summary>Uses another online store, created by <paramref name="factory"/> once, when first resolved.</summary>
    /// <param name="factory">Creates the store from the container.</param>
    /// <returns>These options.</returns>
    public FeatureStoreOptions UseOnlineStore(Func<IServiceProvider, IOnlineStore> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        OnlineStoreFactory = factory;
        return this;
    }
}

/// <summary>Options of <c>AddFeastFeatureServerClient</c>.</summary>
public sealed class FeastClientOptions
{
    /// <summary>Gets or sets the feature server address, for example <c>http://localhost:6566/</c>; required.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>Gets or sets the retries of a transient failure (408, 429, 5xx, network); default 3.</summary>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>Gets or sets the base delay between retries (exponential with jitter); default 200 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Gets or sets the timeout of one attempt; default 10 s.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Registers the feature store.</summary>
public static class FeatureStoreBuilderExtensions
{
    /// <summary>
    /// Registers <see cref="FeatureStore"/> (also as <see cref="IOnlineFeatureReader"/>), the catalogue, and the embedded
    /// <see cref="SqliteOnlineStore"/> as <see cref="IOnlineStore"/> and watermark store unless an <see cref="IOnlineStore"/>
    /// is already registered or <see cref="FeatureStoreOptions.OnlineStoreFactory"/> names another store. Safe to call twice; nothing is opened until resolved; options are validated at start.
    /// </summary>
    /// <param name="builder">The MLOps builder.</param>
    /// <param name="configure">Sets the catalogue (required) and the store path.</param>
    /// <returns>The same builder.</returns>
    /// <example><code>services.AddMLOps().AddFeatureStore(o => o.UseCatalogue(catalogue).UseSqlite("online.db"));</code></example>
    public static IMLOpsBuilder AddFeatureStore(this IMLOpsBuilder builder, Action<FeatureStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<FeatureStoreOptions>()
            .Validate(static o => o.Catalogue is not null, "FeatureStoreOptions.Catalogue is not set; call o.UseCatalogue(catalogue) in AddFeatureStore.")
            .Validate(static o => o.OnlineStorePath is null || !string.IsNullOrWhiteSpace(o.OnlineStorePath), "FeatureStoreOptions.OnlineStorePath is blank; give a file path or leave it unset.")
            .Validate(static o => o.Materialization.BatchSize >= 1, "FeatureStoreOptions.Materialization.BatchSize must be at least 1.")
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp => sp.GetRequiredService<IOptions<FeatureStoreOptions>>().Value.Catalogue!);
        services.TryAddSingleton(static sp =>
        {
            var o = sp.GetRequiredService<IOptions<FeatureStoreOptions>>().Value;
            var root = sp.GetService<IOptions<MLOpsOptions>>()?.Value.RootDirectory ?? ".mlops";
            var path = o.OnlineStorePath ?? Path.Combine(root, "features", "online.db");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            return new SqliteOnlineStore(path, sp.GetRequiredService<TimeProvider>());
        });
        services.TryAddSingleton<IOnlineStore>(static sp => sp.GetRequiredService<IOptions<FeatureStoreOptions>>().Value.OnlineStoreFactory is { } factory
            ? factory(sp)
            : sp.GetRequiredService<SqliteOnlineStore>());
        services.TryAddSingleton<IMaterializationWatermarkStore>(static sp => sp.GetRequiredService<IOnlineStore>() as IMaterializationWatermarkStore
            ?? sp.GetRequiredService<SqliteOnlineStore>());
        services.TryAddSingleton(static sp => new FeatureStore(
            sp.GetRequiredService<FeatureCatalogue>(),
            sp.GetRequiredService<IOnlineStore>(),
            sp.GetRequiredService<IMaterializationWatermarkStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<FeatureStoreOptions>>().Value.Materialization));
        services.TryAddSingleton<IOnlineFeatureReader>(static sp => sp.GetRequiredService<FeatureStore>());
        return builder;
    }

    /// <summary>
    /// Registers <see cref="FeastFeatureServerClient"/> as a typed HTTP client with the standard resilience handler
    /// (retries of transient failures with exponential backoff, attempt timeout, circuit breaker).
    /// </summary>
    /// <param name="builder">The MLOps builder.</param>
    /// <param name="configure">Sets the server address (required) and the retry policy.</param>
    /// <returns>The HTTP client builder, for further configuration.</returns>
    public static IHttpClientBuilder AddFeastFeatureServerClient(this IMLOpsBuilder builder, Action<FeastClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<FeastClientOptions>().Configure(configure)
            .Validate(static o => o.BaseAddress is { IsAbsoluteUri: true }, "FeastClientOptions.BaseAddress must be an absolute URI such as http://localhost:6566/.")
            .Validate(static o => o.MaxRetryAttempts >= 0, "FeastClientOptions.MaxRetryAttempts must not be negative.")
            .ValidateOnStart();
        var http = builder.Services.AddHttpClient<FeastFeatureServerClient>(static (sp, client) =>
        {
            var address = sp.GetRequiredService<IOptions<FeastClientOptions>>().Value.BaseAddress!;
            client.BaseAddress = address.AbsoluteUri.EndsWith('/') ? address : new Uri(address.AbsoluteUri + "/");
        });
        http.AddStandardResilienceHandler().Configure((HttpStandardResilienceOptions o, IServiceProvider sp) =>
        {
            var feast = sp.GetRequiredService<IOptions<FeastClientOptions>>().Value;
            o.Retry.MaxRetryAttempts = Math.Max(feast.MaxRetryAttempts, 1);
            o.Retry.Delay = feast.RetryDelay;
            o.Retry.ShouldHandle = feast.MaxRetryAttempts == 0 ? static _ => ValueTask.FromResult(false) : o.Retry.ShouldHandle;
            o.AttemptTimeout.Timeout = feast.AttemptTimeout;
            o.CircuitBreaker.SamplingDuration = TimeSpan.FromTicks(Math.Max(o.CircuitBreaker.SamplingDuration.Ticks, feast.AttemptTimeout.Ticks * 2));
            o.TotalRequestTimeout.Timeout = TimeSpan.FromTicks(Math.Max(o.TotalRequestTimeout.Timeout.Ticks, feast.AttemptTimeout.Ticks * (feast.MaxRetryAttempts + 2)));
        });
        return http;
    }
}
