using System.Diagnostics.Metrics;
using System.Globalization;

namespace MLOps.Registry;

/// <summary>Whether a larger or a smaller metric value is better.</summary>
public enum MetricDirection
{
    /// <summary>Larger is better (F1, AUC, accuracy).</summary>
    HigherIsBetter = 0,

    /// <summary>Smaller is better (loss, RMSE, latency).</summary>
    LowerIsBetter = 1,
}

/// <summary>What the gate does when a candidate passes.</summary>
public enum PromotionOnPass
{
    /// <summary>Only record the decision as version tags; a person promotes (default).</summary>
    RecordOnly = 0,

    /// <summary>Also move the candidate to Staging, archiving the current Staging version.</summary>
    TransitionToStaging = 1,

    /// <summary>Also promote the candidate into <see cref="PromotionPolicy.Target"/> itself (set the alias, or transition with archive-existing).</summary>
    PromoteToTarget = 2,
}

/// <summary>How <see cref="PromotionGate"/> decides whether a candidate beats the current holder.</summary>
public sealed record PromotionPolicy
{
    /// <summary>Gets the metric to compare, a key of <see cref="ModelLineage.Metrics"/> (e.g. <c>f1</c>).</summary>
    public required string Metric { get; init; }

    /// <summary>Gets whether larger or smaller values are better. Default <see cref="MetricDirection.HigherIsBetter"/>.</summary>
    public MetricDirection Direction { get; init; } = MetricDirection.HigherIsBetter;

    /// <summary>
    /// Gets the least relative improvement over the holder's value that passes, as a fraction: default 0.02 (2%).
    /// Improvement is <c>(candidate − holder) / |holder|</c> (sign flipped for lower-is-better); exactly the threshold
    /// passes (compared with a 1e-12 tolerance for binary rounding); a tie never passes. Must be 0 or more.
    /// </summary>
    public double MinRelativeImprovement { get; init; } = 0.02;

    /// <summary>Gets the alias or stage whose current holder is the incumbent. Default: the Production stage.</summary>
    public AssignmentTarget Target { get; init; } = AssignmentTarget.Stage(ModelStage.Production);

    /// <summary>Gets what to do when the candidate passes. Default <see cref="PromotionOnPass.RecordOnly"/>.</summary>
    public PromotionOnPass OnPass { get; init; } = PromotionOnPass.RecordOnly;
}

/// <summary>The outcome of one promotion-gate evaluation, also stored as <c>mlops.promotion.*</c> tags on the candidate.</summary>
/// <param name="ModelName">The registered model.</param>
/// <param name="CandidateVersion">The candidate.</param>
/// <param name="IncumbentVersion">The current holder of the target, or <see langword="null"/> when none.</param>
/// <param name="Metric">The metric compared.</param>
/// <param name="Direction">The direction.</param>
/// <param name="CandidateValue">The candidate's value.</param>
/// <param name="IncumbentValue">The holder's value, or <see langword="null"/>.</param>
/// <param name="RelativeImprovement">The relative improvement (may be infinite when the holder's value is 0), or <see langword="null"/> without a holder.</param>
/// <param name="Passed">Whether the candidate passed.</param>
/// <param name="Reason">Why, in one sentence.</param>
/// <param name="PromotedTo">Where the candidate was promoted, or <see langword="null"/>.</param>
public sealed record PromotionDecision(
    string ModelName,
    int CandidateVersion,
    int? IncumbentVersion,
    string Metric,
    MetricDirection Direction,
    double CandidateValue,
    double? IncumbentValue,
    double? RelativeImprovement,
    bool Passed,
    string Reason,
    AssignmentTarget? PromotedTo);

/// <summary>
/// Compares a candidate version with the current holder of an alias or stage on one metric from their lineage,
/// records the decision and reason as version tags, and optionally promotes the candidate.
/// </summary>
/// <remarks>
/// The tags written on the candidate are <c>mlops.promotion.decision</c> (<c>passed</c>/<c>rejected</c>),
/// <c>.reason</c>, <c>.metric</c>, <c>.direction</c>, <c>.threshold</c>, <c>.target</c>, <c>.candidate_value</c>,
/// <c>.incumbent_version</c>, <c>.incumbent_value</c>, <c>.relative_improvement</c> and <c>.evaluated_at</c>
/// (numbers in invariant round-trip form). The comparison and the promotion are separate transactions: if another
/// writer changes the holder in between, the promotion still happens and the history shows both. Thread-safe.
/// </remarks>
public sealed class PromotionGate
{
    /// <summary>The prefix of the tags the gate writes.</summary>
    public const string TagPrefix = "mlops.promotion.";

    private const double Tolerance = 1e-12;

    private readonly IModelRegistry _registry;
    private readonly TimeProvider _time;
    private readonly RegistryMetrics _metrics;

    /// <summary>Creates a gate over a registry.</summary>
    /// <param name="registry">The registry.</param>
    /// <param name="timeProvider">The clock for <c>evaluated_at</c>; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="meterFactory">Creates the <c>MLOps.Registry</c> meter; a private one when <see langword="null"/>.</param>
    public PromotionGate(IModelRegistry registry, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _registry = registry;
        _time = timeProvider ?? TimeProvider.System;
        _metrics = new RegistryMetrics(meterFactory);
    }

    /// <summary>Evaluates a candidate against the current holder of <see cref="PromotionPolicy.Target"/>.</summary>
    /// <param name="modelName">The registered model.</param>
    /// <param name="candidateVersion">The candidate version.</param>
    /// <param name="policy">The rule.</param>
    /// <param name="context">Who and why, for the promotion's history record; the actor defaults to <c>promotion-gate</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The decision, already recorded as tags (and acted on, per <see cref="PromotionPolicy.OnPass"/>).</returns>
    /// <exception cref="PromotionMetricMissingException">The candidate or the holder lacks the metric.</exception>
    /// <exception cref="ModelNotFoundException">The model or candidate does not exist.</exception>
    public async ValueTask<PromotionDecision> EvaluateAsync(string modelName, int candidateVersion, PromotionPolicy policy, ChangeContext? context = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(modelName);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentException.ThrowIfNullOrEmpty(policy.Metric, "policy.Metric");
        if (!(policy.MinRelativeImprovement >= 0) || double.IsInfinity(policy.MinRelativeImprovement))
        {
            throw new ArgumentOutOfRangeException(nameof(policy), policy.MinRelativeImprovement, "PromotionPolicy.MinRelativeImprovement must be a finite fraction of 0 or more (0.02 = 2%).");
        }

        var candidate = await _registry.GetModelVersionAsync(modelName, candidateVersion, cancellationToken).ConfigureAwait(false);
        var candidateValue = MetricOf(candidate, policy.Metric);
        var incumbent = await HolderAsync(modelName, policy.Target, cancellationToken).ConfigureAwait(false);

        double? incumbentValue = null;
        double? improvement = null;
        bool passed;
        string reason;
        var target = policy.Target.ToString();
        if (candidate.Status != ModelVersionStatus.Ready)
        {
            passed = false;
            reason = $"version {candidateVersion} is not READY ({candidate.Status}) and cannot be promoted.";
        }
        else if (incumbent is null)
        {
            passed = true;
            reason = $"no version holds {target}; the candidate is the first.";
        }
        else if (incumbent.Version == candidateVersion)
        {
            incumbentValue = candidateValue;
            improvement = 0;
            passed = false;
            reason = $"version {candidateVersion} already holds {target}.";
        }
        else
        {
            var holderValue = MetricOf(incumbent, policy.Metric);
            incumbentValue = holderValue;
            if (double.IsNaN(candidateValue) || double.IsNaN(holderValue))
            {
                passed = false;
                reason = $"{policy.Metric} is NaN for version {(double.IsNaN(candidateValue) ? candidateVersion : incumbent.Version)}, so the versions cannot be compared.";
            }
            else
            {
                var gain = Improvement(candidateValue, holderValue, policy.Direction);
                improvement = gain;
                var better = policy.Direction == MetricDirection.HigherIsBetter ? "higher" : "lower";
                var text = string.Create(CultureInfo.InvariantCulture, $"{policy.Metric} {Format(candidateValue)} vs {Format(holderValue)} of version {incumbent.Version} ({better} is better): {gain:+0.####%;-0.####%;0%}");
                if (gain == 0)
                {
                    passed = false;
                    reason = text + "; a tie does not beat the current holder.";
                }
                else if (gain > 0 && gain >= policy.MinRelativeImprovement - Tolerance)
                {
                    passed = true;
                    reason = text + string.Create(CultureInfo.InvariantCulture, $", at least the required {policy.MinRelativeImprovement:0.####%}.");
                }
                else
                {
                    passed = false;
                    reason = text + string.Create(CultureInfo.InvariantCulture, $", less than the required {policy.MinRelativeImprovement:0.####%}.");
                }
            }
        }

        var tags = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [TagPrefix + "decision"] = passed ? "passed" : "rejected",
            [TagPrefix + "reason"] = reason,
            [TagPrefix + "metric"] = policy.Metric,
            [TagPrefix + "direction"] = policy.Direction == MetricDirection.HigherIsBetter ? "higher_is_better" : "lower_is_better",
            [TagPrefix + "threshold"] = Format(policy.MinRelativeImprovement),
            [TagPrefix + "target"] = target,
            [TagPrefix + "candidate_value"] = Format(candidateValue),
            [TagPrefix + "incumbent_version"] = incumbent is null ? "" : incumbent.Version.ToString(CultureInfo.InvariantCulture),
            [TagPrefix + "incumbent_value"] = incumbentValue is { } iv ? Format(iv) : "",
            [TagPrefix + "relative_improvement"] = improvement is { } g ? Format(g) : "",
            [TagPrefix + "evaluated_at"] = _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
        };
        await _registry.SetModelVersionTagsAsync(modelName, candidateVersion, tags, cancellationToken).ConfigureAwait(false);
        _metrics.Promotion(passed);

        AssignmentTarget? promotedTo = null;
        if (passed && policy.OnPass != PromotionOnPass.RecordOnly)
        {
            var promotion = new ChangeContext(context?.Actor ?? "promotion-gate", context?.Reason ?? "promotion gate passed: " + reason);
            promotedTo = policy.OnPass == PromotionOnPass.TransitionToStaging ? AssignmentTarget.Stage(ModelStage.Staging) : policy.Target;
            if (promotedTo.Value.Kind == AssignmentTargetKind.Alias)
            {
                await _registry.SetAliasAsync(modelName, promotedTo.Value.Name, candidateVersion, promotion, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var stage = ModelStages.Parse(promotedTo.Value.Name);
                await _registry.TransitionStageAsync(modelName, candidateVersion, stage, archiveExistingVersions: stage is ModelStage.Staging or ModelStage.Production, promotion, cancellationToken).ConfigureAwait(false);
            }
        }

        return new PromotionDecision(modelName, candidateVersion, incumbent?.Version, policy.Metric, policy.Direction, candidateValue, incumbentValue, improvement, passed, reason, promotedTo);
    }

    /// <summary>The relative improvement of a candidate over a holder; ±∞ when the holder's value is 0 and they differ.</summary>
    internal static double Improvement(double candidate, double holder, MetricDirection direction)
    {
        var delta = direction == MetricDirection.HigherIsBetter ? candidate - holder : holder - candidate;
        if (delta == 0)
        {
            return 0;
        }

        return holder == 0 ? (delta > 0 ? double.PositiveInfinity : double.NegativeInfinity) : delta / Math.Abs(holder);
    }

    private static double MetricOf(ModelVersion version, string metric)
    {
        var metrics = version.Lineage?.Metrics;
        if (metrics is null || !metrics.TryGetValue(metric, out var value))
        {
            throw new PromotionMetricMissingException(version.Name, version.Version, metric, metrics?.Keys.ToArray() ?? []);
        }

        return value;
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private async ValueTask<ModelVersion?> HolderAsync(string modelName, AssignmentTarget target, CancellationToken cancellationToken)
    {
        var uri = target.Kind == AssignmentTargetKind.Alias ? ModelUri.ForAlias(modelName, target.Name) : ModelUri.ForStage(modelName, ModelStages.Parse(target.Name));
        try
        {
            return await _registry.ResolveAsync(uri, cancellationToken).ConfigureAwait(false);
        }
        catch (ModelNotFoundException ex) when (ex.Version is null && (ex.Alias is not null || ex.Stage is not null))
        {
            return null;
        }
    }
}
