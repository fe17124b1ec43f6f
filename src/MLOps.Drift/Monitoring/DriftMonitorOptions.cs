namespace MLOps.Drift;

/// <summary>How a monitor cuts its stream into windows.</summary>
public enum DriftWindowKind
{
    /// <summary>Windows of <see cref="DriftMonitorOptions.WindowRows"/> rows.</summary>
    Count = 0,

    /// <summary>Windows of <see cref="DriftMonitorOptions.WindowDuration"/> on the monitor's <see cref="TimeProvider"/>.</summary>
    Time = 1,
}

/// <summary>What the monitored model predicts, which decides the surrogate and quality metrics.</summary>
public enum ModelTask
{
    /// <summary>A probability of the positive class in [0, 1]: confident share, accuracy, precision, recall, F1, AUC.</summary>
    BinaryClassification = 0,

    /// <summary>A number: RMSE and MAE.</summary>
    Regression = 1,
}

/// <summary>Options of a <see cref="DriftMonitor"/>. Validated when the monitor is created (and at start-up through DI).</summary>
public sealed class DriftMonitorOptions
{
    /// <summary>Gets or sets the reference profile. Required unless <see cref="ReferenceProfilePath"/> is set.</summary>
    public ReferenceProfile? Reference { get; set; }

    /// <summary>Gets or sets a JSON profile file, read when the monitor is created through DI. Default none.</summary>
    public string? ReferenceProfilePath { get; set; }

    /// <summary>Gets or sets how windows are cut. Default <see cref="DriftWindowKind.Count"/>.</summary>
    public DriftWindowKind WindowKind { get; set; } = DriftWindowKind.Count;

    /// <summary>Gets or sets the rows per window for count windows. Default 10 000.</summary>
    public int WindowRows { get; set; } = 10_000;

    /// <summary>Gets or sets the hop between count windows; <see langword="null"/> (the default) gives tumbling windows. Must divide <see cref="WindowRows"/>.</summary>
    public int? SlideRows { get; set; }

    /// <summary>Gets or sets the window length for time windows. Default one hour.</summary>
    public TimeSpan WindowDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets the hop between time windows; <see langword="null"/> (the default) gives tumbling windows. Must divide <see cref="WindowDuration"/>.</summary>
    public TimeSpan? Slide { get; set; }

    /// <summary>
    /// Gets or sets the reservoir size per numerical column and per hop (uniform sample, Vitter's algorithm R).
    /// Windows with at most this many rows are tested exactly. Default 5 000.
    /// </summary>
    public int SampleSize { get; set; } = 5_000;

    /// <summary>Gets or sets the most distinct categories kept per categorical column and hop; the rest are counted as one extra category. Default 1 000.</summary>
    public int MaxCategories { get; set; } = 1_000;

    /// <summary>Gets the tests, thresholds and drift share, as for <see cref="DatasetDrift"/>.</summary>
    public DriftOptions Drift { get; } = new();

    /// <summary>
    /// Gets or sets the profile column holding the model's prediction (a probability for classification). Default
    /// <c>prediction</c>. It is tested separately (prediction drift) and left out of the drifted-columns share.
    /// </summary>
    public string? PredictionColumn { get; set; } = "prediction";

    /// <summary>Gets or sets the model task. Default <see cref="ModelTask.BinaryClassification"/>.</summary>
    public ModelTask Task { get; set; } = ModelTask.BinaryClassification;

    /// <summary>Gets or sets the probability at or above which a prediction is positive. Default 0.5.</summary>
    public double DecisionThreshold { get; set; } = 0.5;

    /// <summary>Gets or sets the confidence max(p, 1 − p) at or above which a prediction counts as confident. Default 0.9.</summary>
    public double ConfidenceThreshold { get; set; } = 0.9;

    /// <summary>Gets or sets the most predictions waiting for a label; the oldest is evicted (and counted) beyond. Default 100 000.</summary>
    public int MaxPendingLabels { get; set; } = 100_000;

    /// <summary>Gets or sets how long a prediction waits for its label before eviction. Default one day.</summary>
    public TimeSpan LabelTimeToLive { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Gets or sets the (score, label) reservoir per hop used for AUC (exact while the labels fit). Default 10 000.</summary>
    public int QualitySampleSize { get; set; } = 10_000;

    /// <summary>
    /// Gets the alert rules evaluated at each window close. When empty (the default), <see cref="DriftAlertRule.Defaults"/>
    /// apply: a drifted column is a WARNING, dataset drift and prediction drift are CRITICAL.
    /// </summary>
    public IList<DriftAlertRule> AlertRules { get; } = new List<DriftAlertRule>();

    /// <summary>Gets or sets the seed of the reservoir sampler (results are reproducible for one seed and one input order). Default 1.</summary>
    public ulong Seed { get; set; } = 1;

    /// <summary>Lists what is wrong with these options.</summary>
    /// <param name="name">The monitor name, quoted in messages.</param>
    /// <returns>Problems; empty when valid.</returns>
    public IReadOnlyList<string> Validate(string name)
    {
        var problems = new List<string>();
        void Check(bool ok, string message)
        {
            if (!ok)
            {
                problems.Add($"Drift monitor '{name}': {message}");
            }
        }

        Check(Reference is not null || !string.IsNullOrWhiteSpace(ReferenceProfilePath), "set Reference or ReferenceProfilePath.");
        if (WindowKind == DriftWindowKind.Count)
        {
            Check(WindowRows >= 1, $"WindowRows is {WindowRows}; use 1 or more.");
            Check(SlideRows is null || (SlideRows >= 1 && SlideRows <= WindowRows && WindowRows % SlideRows == 0), $"SlideRows ({SlideRows}) must divide WindowRows ({WindowRows}).");
            Check(SlideRows is null || WindowRows / SlideRows <= 1024, "at most 1 024 hops per window.");
        }
        else
        {
            Check(WindowDuration > TimeSpan.Zero, $"WindowDuration is {WindowDuration}; use a positive duration.");
            Check(Slide is null || (Slide > TimeSpan.Zero && Slide <= WindowDuration && WindowDuration.Ticks % Slide.Value.Ticks == 0), $"Slide ({Slide}) must divide WindowDuration ({WindowDuration}).");
            Check(Slide is null || WindowDuration.Ticks / Slide.Value.Ticks <= 1024, "at most 1 024 hops per window.");
        }

        Check(SampleSize is >= 2 and <= 10_000_000, $"SampleSize is {SampleSize}; use 2 to 10 000 000.");
        Check(MaxCategories is >= 1 and <= 1_000_000, $"MaxCategories is {MaxCategories}; use 1 to 1 000 000.");
        Check(QualitySampleSize is >= 2 and <= 10_000_000, $"QualitySampleSize is {QualitySampleSize}; use 2 to 10 000 000.");
        Check(MaxPendingLabels >= 0, $"MaxPendingLabels is {MaxPendingLabels}; use 0 or more.");
        Check(LabelTimeToLive > TimeSpan.Zero, "LabelTimeToLive must be positive.");
        Check(DecisionThreshold is >= 0 and <= 1, $"DecisionThreshold is {DecisionThreshold}; use a probability.");
        Check(ConfidenceThreshold is >= 0.5 and <= 1, $"ConfidenceThreshold is {ConfidenceThreshold}; use 0.5 to 1.");
        Check(Drift.DriftShare is >= 0 and <= 1, $"Drift.DriftShare is {Drift.DriftShare}; use 0 to 1.");
        foreach (DriftAlertRule rule in AlertRules)
        {
            string? problem = rule?.Validate();
            Check(rule is not null && problem is null, $"alert rule '{rule?.Name}': {problem ?? "null"}");
        }

        if (Reference is not null && PredictionColumn is not null && Reference.TryGetColumn(PredictionColumn, out ColumnProfile? p))
        {
            Check(p.IsNumeric, $"the prediction column '{PredictionColumn}' must be numeric.");
        }

        return problems;
    }
}
