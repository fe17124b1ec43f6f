using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MLOps.Drift;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers named drift monitors.</summary>
public static class DriftMonitoringBuilderExtensions
{
    /// <summary>The service key used by <see cref="AddDriftMonitoring(IMLOpsBuilder, Action{DriftMonitorOptions})"/>.</summary>
    public const string DefaultMonitorName = "default";

    /// <summary>
    /// Registers one named <see cref="DriftMonitor"/> as a keyed singleton (key = <paramref name="name"/>), with options
    /// validated at start-up (<c>ValidateOnStart</c>: every problem listed, and a missing profile file reported). The
    /// monitor is created, and <see cref="DriftMonitorOptions.ReferenceProfilePath"/> read, when first resolved; it uses
    /// the registered <see cref="TimeProvider"/>, <see cref="ILoggerFactory"/> (category <c>MLOps.Drift</c>) and
    /// <see cref="IMeterFactory"/> when present. Calling again with the same name only adds configuration.
    /// </summary>
    /// <param name="builder">The MLOps builder.</param>
    /// <param name="name">The monitor's name and service key, e.g. <c>fraud</c>.</param>
    /// <param name="configure">Sets the reference profile, windows and alert rules.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    /// <example>
    /// <code>
    /// services.AddMLOps().AddDriftMonitoring("fraud", o =>
    /// {
    ///     o.ReferenceProfilePath = "profiles/fraud.json";
    ///     o.WindowKind = DriftWindowKind.Time;
    ///     o.WindowDuration = TimeSpan.FromHours(1);
    ///     o.AlertRules.Add(DriftAlertRule.ColumnStatistic(DriftMethod.Psi, warning: 0.1, critical: 0.2));
    /// });
    /// var monitor = provider.GetRequiredKeyedService&lt;DriftMonitor&gt;("fraud");
    /// </code>
    /// </example>
    public static IMLOpsBuilder AddDriftMonitoring(this IMLOpsBuilder builder, string name, Action<DriftMonitorOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);

        IServiceCollection services = builder.Services;
        services.AddOptions<DriftMonitorOptions>(name).Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DriftMonitorOptions>, DriftMonitorOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddKeyedSingleton(name, static (sp, key) =>
        {
            string monitorName = (string)key!;
            DriftMonitorOptions options = sp.GetRequiredService<IOptionsMonitor<DriftMonitorOptions>>().Get(monitorName);
            if (options.Reference is null)
            {
                using FileStream stream = File.OpenRead(options.ReferenceProfilePath!);
                options.Reference = ReferenceProfile.ReadJson(stream);
            }

            return new DriftMonitor(
                monitorName,
                options,
                sp.GetService<TimeProvider>(),
                sp.GetService<ILoggerFactory>()?.CreateLogger("MLOps.Drift"),
                sp.GetService<IMeterFactory>());
        });
        return builder;
    }

    /// <summary>Registers the monitor named <see cref="DefaultMonitorName"/>; see <see cref="AddDriftMonitoring(IMLOpsBuilder, string, Action{DriftMonitorOptions})"/>.</summary>
    /// <param name="builder">The MLOps builder.</param>
    /// <param name="configure">Sets the reference profile, windows and alert rules.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IMLOpsBuilder AddDriftMonitoring(this IMLOpsBuilder builder, Action<DriftMonitorOptions> configure) =>
        builder.AddDriftMonitoring(DefaultMonitorName, configure);

    private sealed class DriftMonitorOptionsValidator : IValidateOptions<DriftMonitorOptions>
    {
        public ValidateOptionsResult Validate(string? name, DriftMonitorOptions options)
        {
            var problems = new List<string>(options.Validate(name ?? string.Empty));
            if (options.Reference is null && !string.IsNullOrWhiteSpace(options.ReferenceProfilePath) && !File.Exists(options.ReferenceProfilePath))
            {
                problems.Add($"Drift monitor '{name}': ReferenceProfilePath '{options.ReferenceProfilePath}' does not exist; write it with ReferenceProfile.WriteJson.");
            }

            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
