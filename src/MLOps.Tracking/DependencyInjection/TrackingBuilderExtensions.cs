using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MLOps;
using MLOps.Artifacts;
using MLOps.Tracking;
using MLOps.Tracking.Sqlite;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers experiment tracking.</summary>
public static class TrackingBuilderExtensions
{
    /// <summary>
    /// Registers <see cref="ITrackingStore"/> (the embedded <see cref="SqliteTrackingStore"/>) and <see cref="Tracker"/>
    /// as singletons, with options validated at start-up. The tracker writes artifacts to the registered
    /// <see cref="IArtifactStore"/>, when there is one (<c>AddLocalArtifactStore()</c>). Safe to call more than
    /// once: later calls only add configuration. Nothing is opened until resolved.
    /// </summary>
    /// <param name="builder">The MLOps builder.</param>
    /// <param name="configure">Configures the store and tracker, for example <c>o =&gt; o.UseSqlite("mlops.db")</c>; optional.</param>
    /// <returns>The same builder.</returns>
    /// <example>
    /// <code>
    /// services.AddMLOps().AddLocalArtifactStore().AddTracking(o => o.UseSqlite("mlops.db"));
    /// var tracker = provider.GetRequiredService&lt;Tracker&gt;();
    /// </code>
    /// </example>
    public static IMLOpsBuilder AddTracking(this IMLOpsBuilder builder, Action<TrackingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<TrackingOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TrackingOptions>, TrackingOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ITrackingStore>(static sp =>
        {
            var o = sp.GetRequiredService<IOptions<TrackingOptions>>().Value;
            var path = o.DatabasePath ?? Path.Combine(sp.GetRequiredService<IOptions<MLOpsOptions>>().Value.RootDirectory, "tracking.db");
            return new SqliteTrackingStore(path, o.Sqlite, sp.GetRequiredService<TimeProvider>());
        });
        services.TryAddSingleton(static sp => new Tracker(
            sp.GetRequiredService<ITrackingStore>(),
            sp.GetRequiredService<IOptions<TrackingOptions>>().Value.Tracker,
            sp.GetService<IArtifactStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>(),
            sp.GetService<IMeterFactory>()));
        return builder;
    }

    private sealed class TrackingOptionsValidator : IValidateOptions<TrackingOptions>
    {
        public ValidateOptionsResult Validate(string? name, TrackingOptions options)
        {
            var problems = new List<string>(options.Tracker.Validate());
            if (options.DatabasePath is not null && string.IsNullOrWhiteSpace(options.DatabasePath))
            {
                problems.Insert(0, "TrackingOptions.DatabasePath is blank; call UseSqlite(\"mlops.db\") with a file path, or leave it unset for tracking.db under MLOpsOptions.RootDirectory.");
            }

            if (options.Sqlite.BusyTimeout <= TimeSpan.Zero)
            {
                problems.Add($"TrackingOptions.Sqlite.BusyTimeout is {options.Sqlite.BusyTimeout}; use a positive time such as 30 seconds.");
            }

            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
