using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MLOps.Drift;

/// <summary>
/// Watches a stream of rows against a <see cref="ReferenceProfile"/>: count or time windows (tumbling or sliding),
/// per-column drift, prediction drift and the share of confident predictions at each window close, quality metrics
/// from late labels joined by request id, and alerts to observers, events, <see cref="ILogger"/> and the
/// <c>MLOps.Drift</c> meter.
/// </summary>
/// <remarks>
/// <para>
/// Memory is fixed when the monitor is created and does not grow with traffic: each hop (a window, or one slide of a
/// sliding window) keeps a uniform reservoir of <see cref="DriftMonitorOptions.SampleSize"/> values per numerical
/// column, at most <see cref="DriftMonitorOptions.MaxCategories"/> counters per categorical column, a
/// <see cref="DriftMonitorOptions.QualitySampleSize"/> (score, label) reservoir, and the pending-label map holds at most
/// <see cref="DriftMonitorOptions.MaxPendingLabels"/> entries (oldest evicted first, or after
/// <see cref="DriftMonitorOptions.LabelTimeToLive"/>). <see cref="StateBytes"/> reports the fixed part.
/// </para>
/// <para>
/// Windows with at most <see cref="DriftMonitorOptions.SampleSize"/> values per column are tested exactly; larger
/// windows test the reservoir (a uniform sample without replacement; sliding windows draw from each hop in
/// proportion to its rows). Categorical counts are exact up to the category limit; further categories are counted
/// together as one extra category (<c>"(other)"</c>, or <see cref="double.MaxValue"/> for numeric codes).
/// </para>
/// <para>
/// Thread-safe: rows and labels may arrive from any thread. Window results are computed on the thread whose row
/// (or timer tick) closes the window, then published outside the lock; a subscriber that throws is logged and
/// skipped.
/// </para>
/// </remarks>
public sealed class DriftMonitor : IObservable<DriftAlert>, IDisposable
{
    /// <summary>The meter name, for OpenTelemetry's <c>AddMeter</c>.</summary>
    public const string MeterName = "MLOps.Drift";

    private const string OtherCategory = "(other)";

    private static readonly AlertMetric[] QualityMetricsList =
        [AlertMetric.Accuracy, AlertMetric.Precision, AlertMetric.Recall, AlertMetric.F1, AlertMetric.Auc, AlertMetric.Rmse, AlertMetric.Mae];

    private readonly Lock _gate = new();
    private readonly DriftMonitorOptions _options;
    private readonly ColumnProfile[] _columns;
    private readonly Dictionary<string, int> _index;
    private readonly int _predictionIndex;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Pane[] _panes;
    private readonly IReadOnlyList<DriftAlertRule> _rules;
    private readonly double[] _scratch;
    private readonly double[] _scratchScores;
    private readonly double[] _scratchLabels;
    private readonly Dictionary<string, Pending> _pending;
    private readonly Queue<PendingOrder> _pendingOrder;
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _rowsCounter;
    private readonly Counter<long> _windowsCounter;
    private readonly Counter<long> _alertsCounter;
    private readonly Counter<long> _evictedCounter;
    private readonly KeyValuePair<string, object?> _monitorTag;
    private readonly ITimer? _timer;
    private readonly long _hopRows;
    private readonly TimeSpan _hop;
    private IObserver<DriftAlert>[] _observers = [];
    private int _current;
    private int _filled;
    private long _sequence;
    private long _pendingStamp;
    private DateTimeOffset _paneEnd;
    private ulong _rng;
    private volatile DriftWindowResult? _last;
    private long _labelsEvicted;
    private long _labelsUnmatched;
    private bool _disposed;

    /// <summary>Creates a monitor.</summary>
    /// <param name="name">The monitor's name (tags, logs, alerts).</param>
    /// <param name="options">The options; <see cref="DriftMonitorOptions.Reference"/> must be set.</param>
    /// <param name="timeProvider">The clock for time windows, label expiry and timestamps; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">Receives alerts and window summaries; optional.</param>
    /// <param name="meterFactory">Creates the <c>MLOps.Drift</c> meter; a private meter when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The options are invalid (the message lists every problem) or no reference profile is set.</exception>
    public DriftMonitor(string name, DriftMonitorOptions options, TimeProvider? timeProvider = null, ILogger? logger = null, IMeterFactory? meterFactory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> problems = options.Validate(name);
        if (problems.Count > 0 || options.Reference is null)
        {
            throw new ArgumentException(
                problems.Count > 0 ? string.Join(" ", problems) : $"Drift monitor '{name}': set Reference (the DI registration loads ReferenceProfilePath for you).",
                nameof(options));
        }

        Name = name;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _columns = [.. options.Reference.Columns];
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < _columns.Length; i++)
        {
            _index[_columns[i].Name] = i;
        }

        _predictionIndex = options.PredictionColumn is not null && _index.TryGetValue(options.PredictionColumn, out int p) ? p : -1;
        _rules = options.AlertRules.Count > 0 ? [.. options.AlertRules] : DriftAlertRule.Defaults;
        _rng = options.Seed == 0 ? 0x9E3779B97F4A7C15UL : options.Seed;
        int paneCount;
        if (options.WindowKind == DriftWindowKind.Count)
        {
            _hopRows = options.SlideRows ?? options.WindowRows;
            paneCount = (int)(options.WindowRows / _hopRows);
        }
        else
        {
            _hop = options.Slide ?? options.WindowDuration;
            paneCount = (int)(options.WindowDuration.Ticks / _hop.Ticks);
        }

        _panes = new Pane[paneCount];
        for (int i = 0; i < paneCount; i++)
        {
            _panes[i] = new Pane(_columns, options);
        }

        _scratch = new double[options.SampleSize];
        _scratchScores = new double[options.QualitySampleSize];
        _scratchLabels = new double[options.QualitySampleSize];
        int pendingCapacity = Math.Min(options.MaxPendingLabels, 1 << 16);
        _pending = new Dictionary<string, Pending>(pendingCapacity, StringComparer.Ordinal);
        _pendingOrder = new Queue<PendingOrder>(pendingCapacity);

        _monitorTag = new("mlops.drift.monitor", name);
        _ownsMeter = meterFactory is null;
        var meterOptions = new MeterOptions(MeterName) { Tags = [_monitorTag] };
        _meter = meterFactory?.Create(meterOptions) ?? new Meter(meterOptions);
        _rowsCounter = _meter.CreateCounter<long>("mlops.drift.rows", "{row}", "Rows observed.");
        _windowsCounter = _meter.CreateCounter<long>("mlops.drift.windows", "{window}", "Windows closed.");
        _alertsCounter = _meter.CreateCounter<long>("mlops.drift.alerts", "{alert}", "Alerts raised (tag mlops.drift.alert.level).");
        _evictedCounter = _meter.CreateCounter<long>("mlops.drift.labels.evicted", "{prediction}", "Predictions evicted before their label arrived.");
        _meter.CreateObservableGauge("mlops.drift.column.score", ColumnScores, "1", "Latest window's drift statistic per column (tags mlops.drift.column, mlops.drift.method).");
        _meter.CreateObservableGauge("mlops.drift.column.drifted", ColumnDrifted, "1", "1 when the column drifted in the latest window, else 0.");
        _meter.CreateObservableGauge("mlops.drift.drifted_share", DriftedShare, "1", "Share of drifted feature columns in the latest window.");
        _meter.CreateObservableGauge("mlops.drift.confident_share", ConfidentShareGauge, "1", "Share of confident predictions in the latest window.");
        _meter.CreateObservableGauge("mlops.drift.quality", QualityGauge, "1", "Quality of labelled predictions in the latest window (tag mlops.drift.quality.metric).");
        _meter.CreateObservableUpDownCounter("mlops.drift.labels.pending", () => new Measurement<int>(PendingLabels, _monitorTag), "{prediction}", "Predictions waiting for a label.");

        DateTimeOffset now = _time.GetUtcNow();
        _panes[0].Start = now;
        if (options.WindowKind == DriftWindowKind.Time)
        {
            _paneEnd = now + _hop;
            _timer = _time.CreateTimer(static s => ((DriftMonitor)s!).OnTimer(), this, _hop, _hop);
        }
    }

    /// <summary>Raised after each window closes, before its alerts.</summary>
    public event EventHandler<DriftWindowEventArgs>? WindowClosed;

    /// <summary>Raised for each alert.</summary>
    public event EventHandler<DriftAlertEventArgs>? AlertRaised;

    /// <summary>Gets the monitor's name.</summary>
    public string Name { get; }

    /// <summary>Gets the reference profile.</summary>
    public ReferenceProfile Reference => _options.Reference!;

    /// <summary>Gets the column names in the order <see cref="Observe(ReadOnlySpan{double}, ReadOnlySpan{string}, string?)"/> expects.</summary>
    public IReadOnlyList<string> Columns => [.. _index.Keys];

    /// <summary>Gets the latest window result, or <see langword="null"/> before the first close.</summary>
    public DriftWindowResult? LastWindow => _last;

    /// <summary>Gets the predictions waiting for a label.</summary>
    public int PendingLabels
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Gets the predictions evicted (capacity or time-to-live) before their label arrived.</summary>
    public long LabelsEvicted => Interlocked.Read(ref _labelsEvicted);

    /// <summary>Gets the labels whose request id matched no pending prediction.</summary>
    public long LabelsUnmatched => Interlocked.Read(ref _labelsUnmatched);

    /// <summary>
    /// Gets the bytes of window state allocated up front (reservoirs, category tables at their limit, quality
    /// reservoirs, scratch buffers); it does not depend on traffic. The pending-label map adds at most
    /// <see cref="DriftMonitorOptions.MaxPendingLabels"/> entries of ~64 bytes plus the caller's request-id strings.
    /// </summary>
    public long StateBytes
    {
        get
        {
            long bytes = (_scratch.Length + _scratchScores.Length + _scratchLabels.Length) * 8L;
            foreach (Pane pane in _panes)
            {
                bytes += pane.Bytes(_options);
            }

            return bytes;
        }
    }

    /// <summary>Gets the index of a column in the row layout.</summary>
    /// <param name="column">The column name.</param>
    /// <returns>The index, or −1 when the profile has no such column.</returns>
    public int IndexOf(string column) => _index.TryGetValue(column, out int i) ? i : -1;

    /// <summary>Observes one row of numbers (text columns are read as missing).</summary>
    /// <param name="values">One value per profile column, in <see cref="Columns"/> order; NaN is missing.</param>
    /// <param name="requestId">The request id under which a later label will arrive; optional.</param>
    /// <exception cref="ArgumentException">The row has the wrong length.</exception>
    /// <exception cref="ObjectDisposedException">The monitor is disposed.</exception>
    public void Observe(ReadOnlySpan<double> values, string? requestId = null) => Observe(values, default, requestId);

    /// <summary>Observes one row with text columns. Allocation-free unless a window closes or a request id is kept.</summary>
    /// <param name="values">One value per profile column, in <see cref="Columns"/> order (ignored for text columns); NaN is missing.</param>
    /// <param name="text">One entry per profile column (read for text columns only; null is missing), or empty when there are no text columns.</param>
    /// <param name="requestId">The request id under which a later label will arrive; optional (needs a prediction column).</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    /// <exception cref="ObjectDisposedException">The monitor is disposed.</exception>
    public void Observe(ReadOnlySpan<double> values, ReadOnlySpan<string?> text, string? requestId = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (values.Length != _columns.Length || (!text.IsEmpty && text.Length != _columns.Length))
        {
            throw new ArgumentException(
                $"Drift monitor '{Name}' expects {_columns.Length} values per row (the profile's columns, see Columns); got {values.Length} values and {text.Length} text entries.",
                nameof(values));
        }

        List<DriftWindowResult>? closed = null;
        DateTimeOffset now = _time.GetUtcNow();
        lock (_gate)
        {
            if (_timer is not null)
            {
                AdvanceTo(now, ref closed);
            }

            Pane pane = _panes[_current];
            for (int i = 0; i < _columns.Length; i++)
            {
                ColumnState state = pane.Columns[i];
                if (state.Texts is not null)
                {
                    state.AddText(text.IsEmpty ? null : text[i], _options.MaxCategories);
                }
                else if (state.Reservoir is not null)
                {
                    state.AddNumber(values[i], ref _rng);
                }
                else
                {
                    state.AddCode(values[i], _options.MaxCategories);
                }
            }

            pane.Rows++;
            if (_predictionIndex >= 0)
            {
                double prediction = values[_predictionIndex];
                if (double.IsFinite(prediction))
                {
                    pane.Predictions++;
                    if (_options.Task == ModelTask.BinaryClassification && Math.Max(prediction, 1 - prediction) >= _options.ConfidenceThreshold)
                    {
                        pane.Confident++;
                    }

                    if (requestId is not null && _options.MaxPendingLabels > 0)
                    {
                        AddPending(requestId, prediction, now);
                    }
                }
            }

            if (_timer is null && pane.Rows >= _hopRows)
            {
                ClosePane(now, ref closed);
            }
        }

        _rowsCounter.Add(1, _monitorTag);
        Publish(closed);
    }

    /// <summary>Joins a label to the prediction made under <paramref name="requestId"/>; it counts in the current window's quality.</summary>
    /// <param name="requestId">The request id given with the row.</param>
    /// <param name="label">The truth: 0 or 1 for classification, a number for regression.</param>
    /// <returns><see langword="true"/> when a pending prediction was found (it is then removed).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="requestId"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The label is not finite, or not 0/1 for classification.</exception>
    /// <exception cref="ObjectDisposedException">The monitor is disposed.</exception>
    public bool ObserveLabel(string requestId, double label)
    {
        ArgumentNullException.ThrowIfNull(requestId);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!double.IsFinite(label) || (_options.Task == ModelTask.BinaryClassification && label is not (0.0 or 1.0)))
        {
            throw new ArgumentOutOfRangeException(nameof(label), label, "Labels are 0 or 1 for binary classification and finite numbers for regression.");
        }

        List<DriftWindowResult>? closed = null;
        bool joined;
        DateTimeOffset now = _time.GetUtcNow();
        lock (_gate)
        {
            if (_timer is not null)
            {
                AdvanceTo(now, ref closed);
            }

            ExpirePending(now);
            joined = _pending.Remove(requestId, out Pending pending);
            if (joined)
            {
                _panes[_current].Quality.Add(pending.Prediction, label, _options, ref _rng);
            }
            else
            {
                _labelsUnmatched++;
            }
        }

        Publish(closed);
        return joined;
    }

    /// <summary>Closes the current hop now (for example at shutdown) and reports the window if the hop has rows or labels.</summary>
    /// <returns>The window's result, or <see langword="null"/> when the current hop is empty or a sliding window is not yet full.</returns>
    /// <exception cref="ObjectDisposedException">The monitor is disposed.</exception>
    public DriftWindowResult? CloseWindow()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        List<DriftWindowResult>? closed = null;
        lock (_gate)
        {
            if (_panes[_current].Rows > 0 || _panes[_current].Quality.Labelled > 0)
            {
                ClosePane(_time.GetUtcNow(), ref closed);
                if (_timer is not null)
                {
                    _paneEnd = _time.GetUtcNow() + _hop;
                }
            }
        }

        Publish(closed);
        return closed?[^1];
    }

    /// <summary>Subscribes to alerts.</summary>
    /// <param name="observer">The observer; <see cref="IObserver{T}.OnCompleted"/> is called when the monitor is disposed.</param>
    /// <returns>Disposing it unsubscribes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="observer"/> is null.</exception>
    public IDisposable Subscribe(IObserver<DriftAlert> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_gate)
        {
            _observers = [.. _observers, observer];
        }

        return new Unsubscriber(this, observer);
    }

    /// <summary>Stops the timer, completes the observers and releases the meter.</summary>
    public void Dispose()
    {
        IObserver<DriftAlert>[] observers;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            observers = _observers;
            _observers = [];
        }

        _timer?.Dispose();
        foreach (IObserver<DriftAlert> o in observers)
        {
            o.OnCompleted();
        }

        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private void OnTimer()
    {
        if (_disposed)
        {
            return;
        }

        List<DriftWindowResult>? closed = null;
        lock (_gate)
        {
            AdvanceTo(_time.GetUtcNow(), ref closed);
        }

        Publish(closed);
    }

    /// <summary>Closes every time hop that ended at or before <paramref name="now"/>; long idle gaps skip empty windows.</summary>
    private void AdvanceTo(DateTimeOffset now, ref List<DriftWindowResult>? closed)
    {
        if (now < _paneEnd)
        {
            return;
        }

        long crossed = ((now - _paneEnd).Ticks / _hop.Ticks) + 1;
        long replay = Math.Min(crossed, _panes.Length + 1);
        for (long k = 0; k < replay; k++)
        {
            DateTimeOffset end = _paneEnd;
            ClosePane(end, ref closed);
            _panes[_current].Start = end;
            _paneEnd = end + _hop;
        }

        if (crossed > replay)
        {
            // Every hop is empty by now: jump to the hop that contains now.
            _paneEnd += TimeSpan.FromTicks(_hop.Ticks * (crossed - replay));
            _panes[_current].Start = _paneEnd - _hop;
        }
    }

    private void ClosePane(DateTimeOffset end, ref List<DriftWindowResult>? closed)
    {
        _filled = Math.Min(_panes.Length, _filled + 1);
        if (_filled == _panes.Length)
        {
            DriftWindowResult result = ComputeWindow(end);
            _last = result;
            (closed ??= []).Add(result);
        }

        _current = (_current + 1) % _panes.Length;
        _panes[_current].Reset(end);
    }

    private DriftWindowResult ComputeWindow(DateTimeOffset end)
    {
        long sequence = ++_sequence;
        DateTimeOffset start = _panes[(_current + 1) % _panes.Length].Start;
        long rows = 0, predictions = 0, confident = 0;
        foreach (Pane pane in _panes)
        {
            rows += pane.Rows;
            predictions += pane.Predictions;
            confident += pane.Confident;
        }

        DatasetDriftResult? drift = null;
        ColumnDriftResult? predictionDrift = null;
        if (rows > 0)
        {
            try
            {
                var features = new List<ProfileColumnInput>(_columns.Length);
                ProfileColumnInput? prediction = null;
                for (int i = 0; i < _columns.Length; i++)
                {
                    ProfileColumnInput? input = WindowColumn(i);
                    if (i == _predictionIndex)
                    {
                        prediction = input;
                    }
                    else if (input is not null)
                    {
                        features.Add(input);
                    }
                }

                drift = DatasetDrift.Compute(features, _options.Drift);
                predictionDrift = prediction is null ? null : DatasetDrift.Compute([prediction], _options.Drift).Columns[0];
            }
            catch (DriftException ex)
            {
                DriftLog.WindowFailed(_logger, ex, Name, sequence);
            }
        }

        double? confidentShare = _predictionIndex >= 0 && predictions > 0 && _options.Task == ModelTask.BinaryClassification
            ? confident / (double)predictions
            : null;
        QualityMetrics? quality = QualityState.Compute(_panes, static p => p.Quality, _options, _scratchScores, _scratchLabels, ref _rng);
        var window = new DriftWindowResult(Name, sequence, start, end, rows, drift, predictionDrift, confidentShare, quality, []);
        return window with { Alerts = EvaluateAlerts(window) };
    }

    /// <summary>The window's current side of column <paramref name="i"/>, merged over the hops; null when it has no values.</summary>
    private ProfileColumnInput? WindowColumn(int i)
    {
        ColumnProfile profile = _columns[i];
        long rows = 0, missing = 0;
        foreach (Pane pane in _panes)
        {
            rows += pane.Columns[i].Rows;
            missing += pane.Columns[i].Missing;
        }

        if (rows == missing)
        {
            return null;
        }

        WeightedSample current;
        ColumnState first = _panes[0].Columns[i];
        if (first.Reservoir is not null)
        {
            int k = DrawReservoir(i);
            current = WeightedSample.FromNumbers(_scratch.AsSpan(0, k));
        }
        else if (first.Texts is not null)
        {
            var merged = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (Pane pane in _panes)
            {
                foreach (KeyValuePair<string, long> kv in pane.Columns[i].Texts!)
                {
                    merged[kv.Key] = merged.GetValueOrDefault(kv.Key) + kv.Value;
                }

                if (pane.Columns[i].Overflow > 0)
                {
                    merged[OtherCategory] = merged.GetValueOrDefault(OtherCategory) + pane.Columns[i].Overflow;
                }
            }

            current = WeightedSample.FromCounts(merged, rows - missing);
        }
        else
        {
            var merged = new Dictionary<double, long>();
            foreach (Pane pane in _panes)
            {
                foreach (KeyValuePair<double, long> kv in pane.Columns[i].Codes!)
                {
                    merged[kv.Key] = merged.GetValueOrDefault(kv.Key) + kv.Value;
                }

                if (pane.Columns[i].Overflow > 0)
                {
                    merged[double.MaxValue] = merged.GetValueOrDefault(double.MaxValue) + pane.Columns[i].Overflow;
                }
            }

            current = WeightedSample.FromCounts(merged, rows - missing, profile.ValueType == ProfileValueType.Boolean);
        }

        return new ProfileColumnInput(profile, current, rows, missing / (double)rows);
    }

    /// <summary>Fills the scratch buffer with a uniform sample of column <paramref name="i"/> over the window's hops.</summary>
    private int DrawReservoir(int i)
    {
        long total = 0;
        foreach (Pane pane in _panes)
        {
            total += pane.Columns[i].Seen;
        }

        int size = _scratch.Length;
        int k = 0;
        foreach (Pane pane in _panes)
        {
            ColumnState s = pane.Columns[i];
            int take = total <= size ? s.Filled : (int)(size * (double)s.Seen / total);
            take = Math.Min(take, s.Filled);
            Reservoirs.PartialShuffle(s.Reservoir.AsSpan(0, s.Filled), take, ref _rng);
            s.Reservoir.AsSpan(0, take).CopyTo(_scratch.AsSpan(k));
            k += take;
        }

        return k;
    }

    private List<DriftAlert> EvaluateAlerts(DriftWindowResult w)
    {
        var alerts = new List<DriftAlert>();
        void Check(DriftAlertRule rule, double? value, string? column)
        {
            if (value is double v && rule.Evaluate(v) is (AlertLevel level, double threshold))
            {
                alerts.Add(new DriftAlert(level, rule.Name, Name, rule.Metric, column, v, threshold, w.Sequence, w.End));
            }
        }

        foreach (DriftAlertRule rule in _rules)
        {
            switch (rule.Metric)
            {
                case AlertMetric.ColumnStatistic or AlertMetric.ColumnDrifted:
                    if (w.Drift is null)
                    {
                        break;
                    }

                    foreach (ColumnDriftResult c in w.Drift.Columns)
                    {
                        if ((rule.Column is null || string.Equals(rule.Column, c.Name, StringComparison.Ordinal))
                            && (rule.Method is null || rule.Method == c.Test.Method))
                        {
                            Check(rule, rule.Metric == AlertMetric.ColumnStatistic ? c.Test.Statistic : (c.Test.Drifted ? 1 : 0), c.Name);
                        }
                    }

                    break;
                case AlertMetric.DriftedShare:
                    Check(rule, w.Drift?.ShareOfDriftedColumns, null);
                    break;
                case AlertMetric.DatasetDrifted:
                    Check(rule, w.Drift is null ? null : (w.Drift.DatasetDrifted ? 1 : 0), null);
                    break;
                case AlertMetric.PredictionStatistic or AlertMetric.PredictionDrifted:
                    if (w.PredictionDrift is { } p && (rule.Method is null || rule.Method == p.Test.Method))
                    {
                        Check(rule, rule.Metric == AlertMetric.PredictionStatistic ? p.Test.Statistic : (p.Test.Drifted ? 1 : 0), p.Name);
                    }

                    break;
                case AlertMetric.ConfidentShare:
                    Check(rule, w.ConfidentShare, null);
                    break;
                default:
                    Check(rule, w.Quality?.Get(rule.Metric), null);
                    break;
            }
        }

        return alerts;
    }

    private void Publish(List<DriftWindowResult>? closed)
    {
        if (closed is null)
        {
            return;
        }

        foreach (DriftWindowResult w in closed)
        {
            _windowsCounter.Add(1, _monitorTag);
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                DriftLog.WindowClosed(_logger, Name, w.Sequence, w.Rows, w.Drift?.DriftedColumns ?? 0);
            }

            Guard(static (m, w) => m.WindowClosed?.Invoke(m, new DriftWindowEventArgs(w)), w);
            foreach (DriftAlert alert in w.Alerts)
            {
                _alertsCounter.Add(1, _monitorTag, new("mlops.drift.alert.level", alert.Level.ToString()));
                LogLevel logLevel = DriftLog.ToLogLevel(alert.Level);
                DriftLog.Alert(_logger, logLevel, alert.Level, alert.Rule, Name, alert.Column ?? "(dataset)", alert.Metric, alert.Value, alert.Threshold, alert.WindowSequence);

                Guard(static (m, a) => m.AlertRaised?.Invoke(m, new DriftAlertEventArgs(a)), alert);
                foreach (IObserver<DriftAlert> o in _observers)
                {
                    Guard(static (o, a) => o.OnNext(a), o, alert);
                }
            }
        }
    }

    private void Guard<T>(Action<DriftMonitor, T> action, T arg) => Guard(action, this, arg);

#pragma warning disable CA1031 // A subscriber's failure must not stop the stream or other subscribers.
    private void Guard<TTarget, T>(Action<TTarget, T> action, TTarget target, T arg)
    {
        try
        {
            action(target, arg);
        }
        catch (Exception ex)
        {
            DriftLog.SubscriberFailed(_logger, ex, Name);
        }
    }
#pragma warning restore CA1031

    private void AddPending(string requestId, double prediction, DateTimeOffset now)
    {
        ExpirePending(now);
        if (!_pending.ContainsKey(requestId))
        {
            while (_pending.Count >= _options.MaxPendingLabels && _pendingOrder.Count > 0)
            {
                EvictFront();
            }
        }

        long stamp = ++_pendingStamp;
        _pending[requestId] = new Pending(prediction, stamp);
        _pendingOrder.Enqueue(new PendingOrder(requestId, stamp, now));

        // Joined or replaced entries leave stale keys in the queue; keep it within twice the map's bound.
        while (_pendingOrder.Count > (2 * _options.MaxPendingLabels) + 16)
        {
            EvictFront();
        }
    }

    private void ExpirePending(DateTimeOffset now)
    {
        while (_pendingOrder.TryPeek(out PendingOrder front)
            && (front.At + _options.LabelTimeToLive <= now || !IsLive(front)))
        {
            EvictFront();
        }
    }

    private bool IsLive(PendingOrder entry) => _pending.TryGetValue(entry.Key, out Pending p) && p.Stamp == entry.Stamp;

    private void EvictFront()
    {
        PendingOrder front = _pendingOrder.Dequeue();
        if (IsLive(front))
        {
            _pending.Remove(front.Key);
            _labelsEvicted++;
            _evictedCounter.Add(1, _monitorTag);
        }
    }

    private IEnumerable<Measurement<double>> ColumnScores()
    {
        if (_last?.Drift is not { } drift)
        {
            yield break;
        }

        foreach (ColumnDriftResult c in drift.Columns)
        {
            yield return new Measurement<double>(c.Test.Statistic, _monitorTag, new("mlops.drift.column", c.Name), new("mlops.drift.method", c.Test.Method.EvidentlyName()));
        }

        if (_last.PredictionDrift is { } p)
        {
            yield return new Measurement<double>(p.Test.Statistic, _monitorTag, new("mlops.drift.column", p.Name), new("mlops.drift.method", p.Test.Method.EvidentlyName()));
        }
    }

    private IEnumerable<Measurement<double>> ColumnDrifted()
    {
        if (_last?.Drift is not { } drift)
        {
            yield break;
        }

        foreach (ColumnDriftResult c in drift.Columns)
        {
            yield return new Measurement<double>(c.Test.Drifted ? 1 : 0, _monitorTag, new("mlops.drift.column", c.Name));
        }
    }

    private IEnumerable<Measurement<double>> DriftedShare()
    {
        if (_last?.Drift is { } drift)
        {
            yield return new Measurement<double>(drift.ShareOfDriftedColumns, _monitorTag);
        }
    }

    private IEnumerable<Measurement<double>> ConfidentShareGauge()
    {
        if (_last?.ConfidentShare is double share)
        {
            yield return new Measurement<double>(share, _monitorTag);
        }
    }

    private IEnumerable<Measurement<double>> QualityGauge()
    {
        if (_last?.Quality is not { } q)
        {
            yield break;
        }

        foreach (AlertMetric metric in QualityMetricsList)
        {
            if (q.Get(metric) is double v)
            {
                yield return new Measurement<double>(v, _monitorTag, new("mlops.drift.quality.metric", metric.ToString().ToLowerInvariant()));
            }
        }
    }

    private readonly record struct Pending(double Prediction, long Stamp);

    private readonly record struct PendingOrder(string Key, long Stamp, DateTimeOffset At);

    private sealed class Unsubscriber(DriftMonitor monitor, IObserver<DriftAlert> observer) : IDisposable
    {
        public void Dispose()
        {
            lock (monitor._gate)
            {
                int i = Array.IndexOf(monitor._observers, observer);
                if (i >= 0)
                {
                    monitor._observers = [.. monitor._observers[..i], .. monitor._observers[(i + 1)..]];
                }
            }
        }
    }

    /// <summary>One hop's state: per-column reservoirs or counters, prediction counts and label quality.</summary>
    private sealed class Pane
    {
        public Pane(ColumnProfile[] columns, DriftMonitorOptions options)
        {
            Columns = new ColumnState[columns.Length];
            for (int i = 0; i < columns.Length; i++)
            {
                Columns[i] = new ColumnState(columns[i], options);
            }

            Quality = new QualityState(options.QualitySampleSize);
        }

        public ColumnState[] Columns { get; }

        public QualityState Quality { get; }

        public DateTimeOffset Start { get; set; }

        public long Rows { get; set; }

        public long Predictions { get; set; }

        public long Confident { get; set; }

        public long Bytes(DriftMonitorOptions options)
        {
            long bytes = Quality.Bytes;
            foreach (ColumnState c in Columns)
            {
                bytes += c.Reservoir is not null ? c.Reservoir.Length * 8L : options.MaxCategories * 48L;
            }

            return bytes;
        }

        public void Reset(DateTimeOffset start)
        {
            Start = start;
            Rows = Predictions = Confident = 0;
            foreach (ColumnState c in Columns)
            {
                c.Reset();
            }

            Quality.Reset();
        }
    }

    /// <summary>One column in one hop.</summary>
    private sealed class ColumnState
    {
        public ColumnState(ColumnProfile profile, DriftMonitorOptions options)
        {
            if (!profile.IsNumeric)
            {
                Texts = new Dictionary<string, long>(Math.Min(options.MaxCategories, profile.Counts.Count + 1), StringComparer.Ordinal);
            }
            else if (profile.Kind == ColumnKind.Numerical && profile.ValueType == ProfileValueType.Number)
            {
                Reservoir = new double[options.SampleSize];
            }
            else
            {
                Codes = new Dictionary<double, long>(Math.Min(options.MaxCategories, profile.Counts.Count + 1));
            }
        }

        public double[]? Reservoir { get; }

        public Dictionary<string, long>? Texts { get; }

        public Dictionary<double, long>? Codes { get; }

        public int Filled { get; private set; }

        public long Seen { get; private set; }

        public long Rows { get; private set; }

        public long Missing { get; private set; }

        public long Overflow { get; private set; }

        public void AddNumber(double v, ref ulong rng)
        {
            Rows++;
            if (!double.IsFinite(v))
            {
                Missing++;
                return;
            }

            Seen++;
            if (Filled < Reservoir!.Length)
            {
                Reservoir[Filled++] = v;
            }
            else
            {
                ulong j = Reservoirs.Next(ref rng) % (ulong)Seen;
                if (j < (ulong)Reservoir.Length)
                {
                    Reservoir[j] = v;
                }
            }
        }

        public void AddCode(double v, int maxCategories)
        {
            Rows++;
            if (!double.IsFinite(v))
            {
                Missing++;
                return;
            }

            v += 0.0;
            if (Codes!.TryGetValue(v, out long c))
            {
                Codes[v] = c + 1;
            }
            else if (Codes.Count < maxCategories)
            {
                Codes[v] = 1;
            }
            else
            {
                Overflow++;
            }
        }

        public void AddText(string? v, int maxCategories)
        {
            Rows++;
            if (v is null)
            {
                Missing++;
                return;
            }

            if (Texts!.TryGetValue(v, out long c))
            {
                Texts[v] = c + 1;
            }
            else if (Texts.Count < maxCategories)
            {
                Texts[v] = 1;
            }
            else
            {
                Overflow++;
            }
        }

        public void Reset()
        {
            Filled = 0;
            Seen = Rows = Missing = Overflow = 0;
            Texts?.Clear();
            Codes?.Clear();
        }
    }
}
