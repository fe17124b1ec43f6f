namespace MLOps.Drift;

/// <summary>Quality of the predictions whose labels were joined during a window.</summary>
/// <param name="Labels">Labelled predictions.</param>
/// <param name="Accuracy">Share of correct decisions (classification).</param>
/// <param name="Precision">TP / (TP + FP) (classification; NaN without positive predictions).</param>
/// <param name="Recall">TP / (TP + FN) (classification; NaN without positive labels).</param>
/// <param name="F1">2TP / (2TP + FP + FN) (classification).</param>
/// <param name="Auc">ROC AUC from the ranks of the scores, ties averaged (classification; NaN with one class; exact while the labels fit the quality reservoir).</param>
/// <param name="Rmse">Root mean squared error (regression).</param>
/// <param name="Mae">Mean absolute error (regression).</param>
public sealed record QualityMetrics(long Labels, double? Accuracy, double? Precision, double? Recall, double? F1, double? Auc, double? Rmse, double? Mae)
{
    internal double? Get(AlertMetric metric) => metric switch
    {
        AlertMetric.Accuracy => Accuracy,
        AlertMetric.Precision => Precision,
        AlertMetric.Recall => Recall,
        AlertMetric.F1 => F1,
        AlertMetric.Auc => Auc,
        AlertMetric.Rmse => Rmse,
        AlertMetric.Mae => Mae,
        _ => null,
    };
}

/// <summary>What a monitor found in one window.</summary>
/// <param name="Monitor">The monitor's name.</param>
/// <param name="Sequence">The window's sequence number, from 1.</param>
/// <param name="Start">When the window's first hop started.</param>
/// <param name="End">When the window closed.</param>
/// <param name="Rows">Rows observed in the window.</param>
/// <param name="Drift">Feature drift against the reference profile (prediction column excluded); <see langword="null"/> when the window had no rows.</param>
/// <param name="PredictionDrift">Drift of the prediction column; <see langword="null"/> without one.</param>
/// <param name="ConfidentShare">Share of confident predictions (classification); <see langword="null"/> without predictions.</param>
/// <param name="Quality">Quality of the labels joined during the window; <see langword="null"/> without labels.</param>
/// <param name="Alerts">Alerts raised for this window.</param>
public sealed record DriftWindowResult(
    string Monitor,
    long Sequence,
    DateTimeOffset Start,
    DateTimeOffset End,
    long Rows,
    DatasetDriftResult? Drift,
    ColumnDriftResult? PredictionDrift,
    double? ConfidentShare,
    QualityMetrics? Quality,
    IReadOnlyList<DriftAlert> Alerts);

/// <summary>Data of <see cref="DriftMonitor.WindowClosed"/>.</summary>
/// <param name="result">The window's result.</param>
public sealed class DriftWindowEventArgs(DriftWindowResult result) : EventArgs
{
    /// <summary>Gets the window's result.</summary>
    public DriftWindowResult Result { get; } = result;
}

/// <summary>Data of <see cref="DriftMonitor.AlertRaised"/>.</summary>
/// <param name="alert">The alert.</param>
public sealed class DriftAlertEventArgs(DriftAlert alert) : EventArgs
{
    /// <summary>Gets the alert.</summary>
    public DriftAlert Alert { get; } = alert;
}
