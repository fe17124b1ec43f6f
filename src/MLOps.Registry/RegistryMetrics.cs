using System.Diagnostics.Metrics;

namespace MLOps.Registry;

/// <summary>The <c>MLOps.Registry</c> meter's instruments.</summary>
internal sealed class RegistryMetrics
{
    /// <summary>The meter name, for OpenTelemetry's <c>AddMeter</c>.</summary>
    public const string MeterName = "MLOps.Registry";

    /// <summary>The meter used without an <see cref="IMeterFactory"/>: one per process, never disposed, so instances need no disposal.</summary>
    private static readonly Meter SharedMeter = new(MeterName);

    private readonly Meter _meter;
    private readonly Counter<long> _transitions;
    private readonly Counter<long> _rollbacks;
    private readonly Counter<long> _versions;
    private readonly Counter<long> _promotions;
    private readonly Counter<long> _integrityFailures;

    public RegistryMetrics(IMeterFactory? factory)
    {
        _meter = factory?.Create(MeterName) ?? SharedMeter;
        _transitions = _meter.CreateCounter<long>("mlops.registry.transitions", "{transition}", "Alias and stage assignments committed (tags mlops.registry.target.kind, mlops.registry.action).");
        _rollbacks = _meter.CreateCounter<long>("mlops.registry.rollbacks", "{rollback}", "Rollbacks committed (tag mlops.registry.target.kind).");
        _versions = _meter.CreateCounter<long>("mlops.registry.versions.created", "{version}", "Model versions registered (tag mlops.registry.status: READY or FAILED_REGISTRATION).");
        _promotions = _meter.CreateCounter<long>("mlops.registry.promotion.decisions", "{decision}", "Promotion-gate decisions (tag mlops.registry.decision: passed or rejected).");
        _integrityFailures = _meter.CreateCounter<long>("mlops.registry.integrity.failures", "{failure}", "Artifacts whose SHA-256 did not match on open.");
    }

    public void Assignment(AssignmentRecord record)
    {
        var kind = new KeyValuePair<string, object?>("mlops.registry.target.kind", record.Target.Kind == AssignmentTargetKind.Alias ? "alias" : "stage");
        _transitions.Add(1, kind, new("mlops.registry.action", ActionName(record.Action)));
        if (record.Action == AssignmentAction.Rollback)
        {
            _rollbacks.Add(1, kind);
        }
    }

    public void VersionCreated(bool ready) => _versions.Add(1, new KeyValuePair<string, object?>("mlops.registry.status", ready ? "READY" : "FAILED_REGISTRATION"));

    public void Promotion(bool passed) => _promotions.Add(1, new KeyValuePair<string, object?>("mlops.registry.decision", passed ? "passed" : "rejected"));

    public void IntegrityFailure() => _integrityFailures.Add(1);

    private static string ActionName(AssignmentAction action) => action switch
    {
        AssignmentAction.Set => "set",
        AssignmentAction.Removed => "removed",
        AssignmentAction.ArchivedExisting => "archived_existing",
        _ => "rollback",
    };
}
