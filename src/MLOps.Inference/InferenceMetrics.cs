using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MLOps.Inference;

/// <summary>The <c>MLOps.Inference</c> meter's instruments for one model, tagged with its name and version.</summary>
internal sealed class InferenceMetrics : IDisposable
{
    /// <summary>The meter name, for OpenTelemetry's <c>AddMeter</c>.</summary>
    public const string MeterName = "MLOps.Inference";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<double> _queueDuration;
    private readonly Histogram<int> _batchSize;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _failed;
    private readonly KeyValuePair<string, object?> _model;
    private readonly KeyValuePair<string, object?> _version;

    public InferenceMetrics(IMeterFactory? factory, string model, string version, Func<int> queueDepth)
    {
        _model = new("mlops.model.name", model);
        _version = new("mlops.model.version", version);
        _ownsMeter = factory is null;
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _requestDuration = _meter.CreateHistogram<double>("mlops.inference.request.duration", "s", "Time from queuing a request to its result.");
        _queueDuration = _meter.CreateHistogram<double>("mlops.inference.queue.duration", "s", "Time a request waited before its batch started.");
        _batchSize = _meter.CreateHistogram<int>("mlops.inference.batch.size", "{row}", "Rows per model run.");
        _rejected = _meter.CreateCounter<long>("mlops.inference.requests.rejected", "{request}", "Requests refused: invalid input, full queue or queue timeout (tag error.type).");
        _failed = _meter.CreateCounter<long>("mlops.inference.requests.failed", "{request}", "Requests the model failed to run.");
        _meter.CreateObservableUpDownCounter("mlops.inference.queue.depth", () => new Measurement<int>(queueDepth(), _model, _version), "{request}", "Requests waiting.");
    }

    public void Request(TimeSpan queueTime, TimeSpan total, bool succeeded)
    {
        var tags = new TagList { _model, _version };
        _queueDuration.Record(queueTime.TotalSeconds, tags);
        _requestDuration.Record(total.TotalSeconds, tags);
        if (!succeeded)
        {
            _failed.Add(1, tags);
        }
    }

    public void Batch(int rows) => _batchSize.Record(rows, _model, _version);

    public void Rejected(string reason) => _rejected.Add(1, _model, _version, new("error.type", reason));

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
