using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace MLOps.Drift.Tests;

/// <summary>Streaming monitors: windows by count and time, bounded memory, labels, surrogate metrics, alerts, meter.</summary>
public sealed class MonitorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    private static ReferenceProfile Profile(int rows = 5000, int seed = 1)
    {
        var rng = new Random(seed);
        double[] x = ProfileTests.Normal(rng, rows, 0, 1);
        double[] prediction = [.. ProfileTests.Normal(rng, rows, 0, 1).Select(v => 1 / (1 + Math.Exp(-2 * v)))];
        string?[] city = [.. Enumerable.Range(0, rows).Select(i => (i % 3) switch { 0 => "oslo", 1 => "rome", _ => "lima" })];
        return ReferenceProfile.Create(
            [new("x", ColumnSample.Numerical(x)), new("city", ColumnSample.Categorical(city)), new("prediction", ColumnSample.Numerical(prediction))]);
    }

    [Fact]
    public void CountTumbling_ExactWindows_MatchProfileDriftOnTheSameRows()
    {
        ReferenceProfile profile = Profile();
        var options = new DriftMonitorOptions { Reference = profile, WindowRows = 800, SampleSize = 1000 };
        using var monitor = new DriftMonitor("m", options, new FakeTimeProvider(T0));
        var windows = new List<DriftWindowResult>();
        monitor.WindowClosed += (_, e) => windows.Add(e.Result);

        var rng = new Random(2);
        var xs = new List<double>();
        var cities = new List<string?>();
        var preds = new List<double>();
        string[] names = ["oslo", "rome", "lima", "kyiv"];
        for (int i = 0; i < 2400; i++)
        {
            double x = ProfileTests.Normal(rng, 1, i < 1600 ? 0 : 0.8, 1)[0];
            string? city = i % 50 == 0 ? null : names[rng.Next(i < 1600 ? 3 : 4)];
            double p = rng.NextDouble();
            xs.Add(x);
            cities.Add(city);
            preds.Add(p);
            monitor.Observe([x, double.NaN, p], [null, city, null]);
        }

        windows.Should().HaveCount(3);
        windows.Select(w => w.Sequence).Should().Equal(1, 2, 3);
        for (int w = 0; w < 3; w++)
        {
            DatasetDriftResult expected = DatasetDrift.Compute(
                profile,
                [
                    new("x", ColumnSample.Numerical(xs.GetRange(w * 800, 800).ToArray())),
                    new("city", ColumnSample.Categorical(cities.GetRange(w * 800, 800).ToArray())),
                ]);
            DriftWindowResult actual = windows[w];
            actual.Rows.Should().Be(800);
            actual.Drift!.Columns.Select(c => c.Name).Should().Equal("x", "city");
            for (int c = 0; c < 2; c++)
            {
                actual.Drift.Columns[c].Test.Should().Be(expected.Columns[c].Test);
                actual.Drift.Columns[c].CurrentMissingShare.Should().Be(expected.Columns[c].CurrentMissingShare);
            }

            actual.PredictionDrift!.Test.Should().Be(
                DriftTests.Run(profile.Columns[2], ColumnSample.Numerical(preds.GetRange(w * 800, 800).ToArray())).Test);
            actual.ConfidentShare.Should().Be(preds.GetRange(w * 800, 800).Count(p => Math.Max(p, 1 - p) >= 0.9) / 800.0);
        }

        windows[0].Drift!.Columns[1].Test.Drifted.Should().BeFalse();
        windows[2].Drift!.Columns[1].Test.Drifted.Should().BeTrue("a new category appears");
        windows[2].Drift!.Columns[0].Test.Drifted.Should().BeTrue("x shifted by 0.8 σ");
    }

    [Fact]
    public void CountSliding_EmitsEveryHopOnceTheWindowIsFull()
    {
        var options = new DriftMonitorOptions { Reference = Profile(), WindowRows = 1000, SlideRows = 250, SampleSize = 2000 };
        using var monitor = new DriftMonitor("m", options, new FakeTimeProvider(T0));
        var windows = new List<DriftWindowResult>();
        monitor.WindowClosed += (_, e) => windows.Add(e.Result);
        double[] row = [0, double.NaN, 0.5];
        for (int i = 0; i < 2000; i++)
        {
            row[0] = i;
            monitor.Observe(row);
        }

        windows.Select(w => w.Rows).Should().Equal(1000, 1000, 1000, 1000, 1000);
        windows.Should().OnlyContain(w => w.Drift!.Columns[0].Exact);

        // The last window holds rows 1000..1999 exactly: its Wasserstein equals the profile test on those values.
        double[] last = [.. Enumerable.Range(1000, 1000).Select(i => (double)i)];
        windows[^1].Drift!.Columns[0].Test.Should().Be(DriftTests.Run(options.Reference!.Columns[0], ColumnSample.Numerical(last)).Test);
    }

    [Fact]
    public void TimeTumbling_WindowsCloseAtBoundariesUnderFakeTime()
    {
        var time = new FakeTimeProvider(T0);
        var options = new DriftMonitorOptions { Reference = Profile(), WindowKind = DriftWindowKind.Time, WindowDuration = TimeSpan.FromMinutes(1) };
        using var monitor = new DriftMonitor("m", options, time);
        var windows = new List<DriftWindowResult>();
        monitor.WindowClosed += (_, e) => windows.Add(e.Result);

        double[] row = [0.1, double.NaN, 0.5];
        for (int i = 0; i < 30; i++)
        {
            monitor.Observe(row);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        windows.Should().BeEmpty("30 s of a 60 s window have passed");
        time.Advance(TimeSpan.FromSeconds(29));
        windows.Should().BeEmpty();
        time.Advance(TimeSpan.FromSeconds(1));
        windows.Should().ContainSingle("the timer closes the window at T0 + 60 s without traffic");
        windows[0].Start.Should().Be(T0);
        windows[0].End.Should().Be(T0.AddMinutes(1));
        windows[0].Rows.Should().Be(30);

        // A row exactly at the boundary belongs to the next window.
        monitor.Observe(row);
        time.Advance(TimeSpan.FromMinutes(1));
        windows.Should().HaveCount(2);
        windows[1].Rows.Should().Be(1);
        windows[1].Start.Should().Be(T0.AddMinutes(1));

        // A long idle gap reports a bounded number of empty windows and realigns to the clock.
        time.Advance(TimeSpan.FromDays(3));
        windows.Count.Should().BeLessThanOrEqualTo(4);
        windows[^1].Rows.Should().Be(0);
        windows[^1].Drift.Should().BeNull();
        monitor.Observe(row);
        time.Advance(TimeSpan.FromMinutes(1));
        windows[^1].Rows.Should().Be(1);
        windows[^1].End.Should().Be(T0.AddMinutes(2).AddDays(3).AddMinutes(1));
    }

    [Fact]
    public void TimeSliding_WindowCoversLastHops()
    {
        var time = new FakeTimeProvider(T0);
        var options = new DriftMonitorOptions { Reference = Profile(), WindowKind = DriftWindowKind.Time, WindowDuration = TimeSpan.FromMinutes(1), Slide = TimeSpan.FromSeconds(20) };
        using var monitor = new DriftMonitor("m", options, time);
        var windows = new List<DriftWindowResult>();
        monitor.WindowClosed += (_, e) => windows.Add(e.Result);
        double[] row = [0.1, double.NaN, 0.5];
        for (int s = 0; s < 100; s++)
        {
            monitor.Observe(row);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        // Hops end at 20, 40, 60, 80, 100 s; the first full window closes at 60 s.
        windows.Select(w => (w.End - T0).TotalSeconds).Should().Equal(60, 80, 100);
        windows.Select(w => (w.Start - T0).TotalSeconds).Should().Equal(0, 20, 40);
        windows.Should().OnlyContain(w => w.Rows == 60);
    }

    internal static void RunTenMillionRows()
    {
        var options = new DriftMonitorOptions
        {
            Reference = Profile(),
            WindowRows = 100_000,
            SlideRows = 50_000,
            SampleSize = 1000,
            QualitySampleSize = 1000,
            MaxPendingLabels = 1000,
        };
        using var monitor = new DriftMonitor("flat", options, new FakeTimeProvider(T0));
        long windows = 0;
        monitor.WindowClosed += (_, _) => windows++;
        long stateBytes = monitor.StateBytes;
        double[] row = new double[3];
        string?[] text = new string?[3];
        string[] cities = ["oslo", "rome", "lima"];
        string[] ids = [.. Enumerable.Range(0, 4096).Select(i => "r" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        ulong state = 12345;
        void Feed(int from, int to)
        {
            for (int i = from; i < to; i++)
            {
                state = (state * 6364136223846793005UL) + 1442695040888963407UL;
                double u = (state >> 11) * (1.0 / (1UL << 53));
                row[0] = u * 4 - 2;
                row[2] = u;
                text[1] = cities[i % 3];
                monitor.Observe(row, text, (i & 15) == 0 ? ids[i & 4095] : null);
                if ((i & 31) == 0)
                {
                    monitor.ObserveLabel(ids[(i - 16) & 4095], i & 1);
                }
            }
        }

        Feed(0, 1_000_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        Feed(1_000_000, 10_000_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long heapAfter = GC.GetTotalMemory(forceFullCollection: true);

        windows.Should().Be(199);
        monitor.StateBytes.Should().Be(stateBytes);
        monitor.PendingLabels.Should().BeLessThanOrEqualTo(1000);
        (heapAfter - heapBefore).Should().BeLessThan(4L << 20, "the monitor's state is fixed; only the latest window result is retained");

        // Each of the 180 window closes allocates its result and test buffers (about 0.3 MB: the merged reference tables);
        // rows between closes allocate nothing at all.
        (allocated / 180.0).Should().BeLessThan(1 << 20, "bytes per window close");
        long rowsBefore = GC.GetAllocatedBytesForCurrentThread();
        Feed(10_000_000, 10_040_000);
        (GC.GetAllocatedBytesForCurrentThread() - rowsBefore).Should().Be(0, "40 000 rows inside one hop");
        monitor.LastWindow!.Quality!.Labels.Should().BeGreaterThan(0);
    }

    [Fact]
    public void Labels_JoinByRequestId_GiveClassificationQuality()
    {
        var options = new DriftMonitorOptions { Reference = Profile(), WindowRows = 8 };
        using var monitor = new DriftMonitor("m", options, new FakeTimeProvider(T0));
        double[] scores = [0.9, 0.8, 0.35, 0.6, 0.2, 0.7, 0.1, 0.55];
        double[] labels = [1, 1, 1, 0, 0, 1, 0, 0];
        for (int i = 0; i < 4; i++)
        {
            monitor.Observe([0, double.NaN, scores[i]], "id" + i);
        }

        // Labels arrive late and out of order; one is unknown.
        monitor.ObserveLabel("id2", labels[2]).Should().BeTrue();
        monitor.ObserveLabel("id0", labels[0]).Should().BeTrue();
        monitor.ObserveLabel("nope", 1).Should().BeFalse();
        for (int i = 4; i < 8; i++)
        {
            monitor.Observe([0, double.NaN, scores[i]], "id" + i);
        }

        DriftWindowResult w = monitor.LastWindow!;
        w.Quality!.Labels.Should().Be(2);

        for (int i = 0; i < 8; i++)
        {
            if (i is not (0 or 2))
            {
                monitor.ObserveLabel("id" + i, labels[i]).Should().BeTrue();
            }
        }

        monitor.ObserveLabel("id1", 1).Should().BeFalse("each prediction joins once");
        monitor.LabelsUnmatched.Should().Be(2);
        DriftWindowResult closed = monitor.CloseWindow()!;
        QualityMetrics q = closed.Quality!;

        // Decisions at 0.5: TP = {0.8, 0.7}, FP = {0.6, 0.55}, FN = {}, TN = {0.2, 0.1}. (0.9 and 0.35 were in window 1.)
        q.Labels.Should().Be(6);
        q.Accuracy.Should().Be(4 / 6.0);
        q.Precision.Should().Be(0.5);
        q.Recall.Should().Be(1.0);
        q.F1.Should().Be(2 * 2 / (2.0 * 2 + 2));

        // AUC over positives {0.8, 0.7} vs negatives {0.6, 0.2, 0.1, 0.55}: every positive outranks every negative.
        q.Auc.Should().Be(1.0);
        double[] s2 = [0.3, 0.3, 0.9, 0.1];
        double[] l2 = [1, 0, 1, 0];
        QualityState.Auc(s2, l2).Should().Be(0.875, "sklearn.metrics.roc_auc_score([1,0,1,0],[0.3,0.3,0.9,0.1]) = 0.875");
    }

    [Fact]
    public void Labels_Regression_GiveRmseAndMae()
    {
        var options = new DriftMonitorOptions { Reference = Profile(), WindowRows = 3, Task = ModelTask.Regression };
        using var monitor = new DriftMonitor("m", options, new FakeTimeProvider(T0));
        monitor.Observe([0, double.NaN, 2.0], "a");
        monitor.Observe([0, double.NaN, 5.0], "b");
        monitor.ObserveLabel("a", 1.0);
        monitor.ObserveLabel("b", 8.0);
        monitor.Observe([0, double.NaN, 1.0], "c");
        QualityMetrics q = monitor.LastWindow!.Quality!;
        q.Rmse.Should().Be(Math.Sqrt((1 + 9) / 2.0));
        q.Mae.Should().Be(2.0);
        q.Accuracy.Should().BeNull();
        monitor.LastWindow.ConfidentShare.Should().BeNull();
    }

    [Fact]
    public void PendingLabels_BoundedByCapacityAndTimeToLive()
    {
        var time = new FakeTimeProvider(T0);
        var options = new DriftMonitorOptions { Reference = Profile(), WindowRows = 1_000_000, MaxPendingLabels = 100, LabelTimeToLive = TimeSpan.FromMinutes(5) };
        using var monitor = new DriftMonitor("m", options, time);
        for (int i = 0; i < 250; i++)
        {
            monitor.Observe([0, double.NaN, 0.5], "id" + i);
        }

        monitor.PendingLabels.Should().Be(100);
        monitor.LabelsEvicted.Should().Be(150);
        monitor.ObserveLabel("id0", 1).Should().BeFalse("the oldest were evicted");
        monitor.ObserveLabel("id249", 1).Should().BeTrue();

        time.Advance(TimeSpan.FromMinutes(5));
        monitor.ObserveLabel("id248", 1).Should().BeFalse("expired after the time-to-live");
        monitor.PendingLabels.Should().Be(0);
        monitor.LabelsEvicted.Should().Be(249);
    }

    [Fact]
    public void Alerts_PsiRulesAndQuality_ReachObserversEventsLoggerAndMeter()
    {
        var logger = new FakeLogger();
        var options = new DriftMonitorOptions { Reference = Profile(), WindowRows = 2000 };
        options.Drift.Columns["x"] = new ColumnDriftOptions { Method = DriftMethod.Psi };
        options.AlertRules.Add(DriftAlertRule.ColumnStatistic(DriftMethod.Psi, warning: 0.1, critical: 0.2));
        options.AlertRules.Add(DriftAlertRule.Quality(AlertMetric.Accuracy, critical: 0.8));
        options.AlertRules.Add(new DriftAlertRule { Name = "share", Metric = AlertMetric.DriftedShare, Info = 0.0 });
        string name = "alerts-" + Guid.NewGuid().ToString("N");
        using var collector = new MetricCollector<double>(null, DriftMonitor.MeterName, "mlops.drift.column.score");
        using var monitor = new DriftMonitor(name, options, new FakeTimeProvider(T0), logger);
        var observed = new List<DriftAlert>();
        var evented = new List<DriftAlert>();
        using IDisposable subscription = monitor.Subscribe(new Collector(observed));
        monitor.AlertRaised += (_, e) => evented.Add(e.Alert);
        monitor.AlertRaised += (_, _) => throw new InvalidOperationException("a broken subscriber");

        var rng = new Random(4);
        for (int i = 0; i < 2000; i++)
        {
            double x = ProfileTests.Normal(rng, 1, 1.0, 1)[0];
            monitor.Observe([x, double.NaN, 0.95], "id" + i);
            monitor.ObserveLabel("id" + i, i % 2);
        }

        DriftWindowResult w = monitor.LastWindow!;
        double psi = w.Drift!.Columns[0].Test.Statistic;
        psi.Should().BeGreaterThan(0.2, "a 1 σ shift");
        w.Quality!.Accuracy.Should().BeApproximately(0.5, 0.001, "labels alternate; the last one lands in the next window");
        w.Alerts.Should().ContainSingle(a => a.Rule == "psi-statistic").Which.Should().Match<DriftAlert>(a =>
            a.Level == AlertLevel.Critical && a.Column == "x" && a.Value == psi && a.Threshold == 0.2);
        w.Alerts.Should().ContainSingle(a => a.Metric == AlertMetric.Accuracy).Which.Level.Should().Be(AlertLevel.Critical);
        w.Alerts.Should().ContainSingle(a => a.Rule == "share").Which.Level.Should().Be(AlertLevel.Info);
        observed.Should().Equal(w.Alerts);
        evented.Should().Equal(w.Alerts);

        logger.Collector.GetSnapshot().Where(r => r.Id.Id == 1).Select(r => r.Level).Should().Equal(LogLevel.Critical, LogLevel.Critical, LogLevel.Information);
        logger.Collector.GetSnapshot().Should().Contain(r => r.Id.Id == 3 && r.Level == LogLevel.Warning, "the throwing subscriber is logged");

        collector.RecordObservableInstruments();
        collector.GetMeasurementSnapshot()
            .Where(m => (string?)m.Tags["mlops.drift.monitor"] == name && (string?)m.Tags["mlops.drift.column"] == "x")
            .Should().ContainSingle().Which.Value.Should().Be(psi);
    }

    [Fact]
    public void Options_Invalid_ListEveryProblem()
    {
        var options = new DriftMonitorOptions { WindowRows = 100, SlideRows = 30, SampleSize = 1, ConfidenceThreshold = 0.2 };
        options.AlertRules.Add(new DriftAlertRule { Name = "bad", Warning = 0.3, Critical = 0.1 });
        FluentActions.Invoking(() => new DriftMonitor("m", options))
            .Should().Throw<ArgumentException>()
            .Where(e => e.Message.Contains("set Reference") && e.Message.Contains("SlideRows (30)") && e.Message.Contains("SampleSize is 1")
                && e.Message.Contains("ConfidenceThreshold") && e.Message.Contains("stricter"));
    }

    private sealed class Collector(List<DriftAlert> alerts) : IObserver<DriftAlert>
    {
        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void OnNext(DriftAlert value) => alerts.Add(value);
    }
}

/// <summary>Runs the 10-million-row memory check alone: <see cref="GC.GetTotalMemory(bool)"/> is process-wide.</summary>
[CollectionDefinition("drift-memory", DisableParallelization = true)]
public sealed class DriftMemoryCollection;

/// <summary>Bounded memory of a monitor fed 10 million rows.</summary>
[Collection("drift-memory")]
public sealed class MonitorMemoryTests
{
    [Fact]
    public void TenMillionRows_MemoryStaysFlat() => MonitorTests.RunTenMillionRows();
}
