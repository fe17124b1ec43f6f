using System.Globalization;

namespace MLOps.Drift;

/// <summary>Alert severity.</summary>
public enum AlertLevel
{
    /// <summary>Worth a look.</summary>
    Info = 0,

    /// <summary>Something moved; investigate.</summary>
    Warning = 1,

    /// <summary>Act now: model quality or inputs changed materially.</summary>
    Critical = 2,
}

/// <summary>The window value an alert rule watches.</summary>
public enum AlertMetric
{
    /// <summary>A column's test statistic (PSI value, Wasserstein distance, KS D, ...), per column.</summary>
    ColumnStatistic = 0,

    /// <summary>A column's drift decision, 1 when drifted, per column.</summary>
    ColumnDrifted = 1,

    /// <summary>The share of drifted feature columns.</summary>
    DriftedShare = 2,

    /// <summary>Dataset drift (share ≥ drift share), 1 when drifted.</summary>
    DatasetDrifted = 3,

    /// <summary>The prediction column's test statistic.</summary>
    PredictionStatistic = 4,

    /// <summary>The prediction column's drift decision, 1 when drifted.</summary>
    PredictionDrifted = 5,

    /// <summary>The share of predictions with max(p, 1 − p) ≥ the confidence threshold.</summary>
    ConfidentShare = 6,

    /// <summary>Accuracy of labelled predictions.</summary>
    Accuracy = 7,

    /// <summary>Precision of labelled predictions.</summary>
    Precision = 8,

    /// <summary>Recall of labelled predictions.</summary>
    Recall = 9,

    /// <summary>F1 of labelled predictions.</summary>
    F1 = 10,

    /// <summary>ROC AUC of labelled predictions.</summary>
    Auc = 11,

    /// <summary>Root mean squared error of labelled predictions.</summary>
    Rmse = 12,

    /// <summary>Mean absolute error of labelled predictions.</summary>
    Mae = 13,
}

/// <summary>Which side of a threshold raises an alert.</summary>
public enum AlertDirection
{
    /// <summary>Alert when the value is above the threshold (strictly).</summary>
    Above = 0,

    /// <summary>Alert when the value is below the threshold (strictly).</summary>
    Below = 1,
}

/// <summary>
/// A rule mapping a window value to an <see cref="AlertLevel"/>: the highest level whose threshold the value
/// crosses (strictly). Example: PSI above 0.1 WARNING, above 0.2 CRITICAL:
/// <c>DriftAlertRule.ColumnStatistic(DriftMethod.Psi, warning: 0.1, critical: 0.2)</c>.
/// </summary>
public sealed class DriftAlertRule
{
    /// <summary>Gets or sets the rule's name, quoted in alerts. Default: derived from the metric.</summary>
    public string Name { get; set; } = "rule";

    /// <summary>Gets or sets the watched value.</summary>
    public AlertMetric Metric { get; set; }

    /// <summary>Gets or sets the only column watched by per-column metrics; <see langword="null"/> (the default) watches every column.</summary>
    public string? Column { get; set; }

    /// <summary>Gets or sets the only test watched by statistic metrics (a PSI threshold means nothing for a KS D); <see langword="null"/> (the default) watches every test.</summary>
    public DriftMethod? Method { get; set; }

    /// <summary>Gets or sets the side of the thresholds that alerts. Default <see cref="AlertDirection.Above"/>.</summary>
    public AlertDirection Direction { get; set; }

    /// <summary>Gets or sets the INFO threshold; <see langword="null"/> for none.</summary>
    public double? Info { get; set; }

    /// <summary>Gets or sets the WARNING threshold; <see langword="null"/> for none.</summary>
    public double? Warning { get; set; }

    /// <summary>Gets or sets the CRITICAL threshold; <see langword="null"/> for none.</summary>
    public double? Critical { get; set; }

    /// <summary>Gets the rules used when none are configured: drifted column WARNING, dataset drift CRITICAL, prediction drift CRITICAL.</summary>
    public static IReadOnlyList<DriftAlertRule> Defaults { get; } =
    [
        new() { Name = "column-drift", Metric = AlertMetric.ColumnDrifted, Warning = 0.5 },
        new() { Name = "dataset-drift", Metric = AlertMetric.DatasetDrifted, Critical = 0.5 },
        new() { Name = "prediction-drift", Metric = AlertMetric.PredictionDrifted, Critical = 0.5 },
    ];

    /// <summary>A rule on one test's statistic for every column tested with it (above the thresholds alerts).</summary>
    /// <param name="method">The test, e.g. <see cref="DriftMethod.Psi"/>.</param>
    /// <param name="warning">The WARNING threshold.</param>
    /// <param name="critical">The CRITICAL threshold.</param>
    /// <returns>The rule.</returns>
    public static DriftAlertRule ColumnStatistic(DriftMethod method, double? warning, double? critical) =>
        new() { Name = $"{method.EvidentlyName()}-statistic", Metric = AlertMetric.ColumnStatistic, Method = method, Warning = warning, Critical = critical };

    /// <summary>A rule on a quality metric (below the thresholds alerts for scores, above for errors).</summary>
    /// <param name="metric">Accuracy, precision, recall, F1, AUC, RMSE or MAE.</param>
    /// <param name="critical">The CRITICAL threshold.</param>
    /// <param name="warning">The WARNING threshold; optional.</param>
    /// <returns>The rule.</returns>
    public static DriftAlertRule Quality(AlertMetric metric, double critical, double? warning = null) =>
        new()
        {
            Name = $"{metric.ToString().ToLowerInvariant()}-quality",
            Metric = metric,
            Direction = metric is AlertMetric.Rmse or AlertMetric.Mae ? AlertDirection.Above : AlertDirection.Below,
            Warning = warning,
            Critical = critical,
        };

    internal string? Validate()
    {
        if (Info is null && Warning is null && Critical is null)
        {
            return "set at least one of Info, Warning and Critical.";
        }

        if (string.IsNullOrWhiteSpace(Name))
        {
            return "give the rule a name.";
        }

        double?[] levels = [Info, Warning, Critical];
        double? previous = null;
        foreach (double? t in levels)
        {
            if (t is null)
            {
                continue;
            }

            if (double.IsNaN(t.Value))
            {
                return "thresholds must not be NaN.";
            }

            if (previous is not null && (Direction == AlertDirection.Above ? t < previous : t > previous))
            {
                return $"thresholds must get stricter from Info to Critical ({(Direction == AlertDirection.Above ? "non-decreasing" : "non-increasing")}).";
            }

            previous = t;
        }

        return null;
    }

    /// <summary>The highest level crossed by <paramref name="value"/>, with its threshold.</summary>
    internal (AlertLevel Level, double Threshold)? Evaluate(double value)
    {
        if (double.IsNaN(value))
        {
            return null;
        }

        if (Crosses(value, Critical))
        {
            return (AlertLevel.Critical, Critical!.Value);
        }

        if (Crosses(value, Warning))
        {
            return (AlertLevel.Warning, Warning!.Value);
        }

        return Crosses(value, Info) ? (AlertLevel.Info, Info!.Value) : null;
    }

    private bool Crosses(double value, double? threshold) =>
        threshold is double t && (Direction == AlertDirection.Above ? value > t : value < t);
}

/// <summary>An alert raised at a window close.</summary>
/// <param name="Level">The severity.</param>
/// <param name="Rule">The rule's name.</param>
/// <param name="Monitor">The monitor's name.</param>
/// <param name="Metric">The watched value.</param>
/// <param name="Column">The column, for per-column metrics.</param>
/// <param name="Value">The value that crossed the threshold.</param>
/// <param name="Threshold">The crossed threshold.</param>
/// <param name="WindowSequence">The window's sequence number.</param>
/// <param name="WindowEnd">When the window closed.</param>
public sealed record DriftAlert(
    AlertLevel Level,
    string Rule,
    string Monitor,
    AlertMetric Metric,
    string? Column,
    double Value,
    double Threshold,
    long WindowSequence,
    DateTimeOffset WindowEnd)
{
    /// <summary>Gets a one-line description, e.g. <c>CRITICAL psi-statistic: income ColumnStatistic 0.31 &gt; 0.2 (window 12)</c>.</summary>
    public string Message => string.Create(
        CultureInfo.InvariantCulture,
        $"{Level.ToString().ToUpperInvariant()} {Rule}: {(Column is null ? string.Empty : Column + " ")}{Metric} {Value:G6} crossed {Threshold:G6} (monitor '{Monitor}', window {WindowSequence})");
}
