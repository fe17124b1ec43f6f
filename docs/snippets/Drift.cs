using Apache.Arrow;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Drift;

namespace MLOps.Docs.Snippets;

/// <summary>The code of docs/guides/drift.md.</summary>
public static class Drift
{
    /// <summary>One column, one test.</summary>
    /// <param name="referenceAges">Training values.</param>
    /// <param name="currentAges">Recent values.</param>
    public static void ColumnTest(double[] referenceAges, double[] currentAges)
    {
        #region column-test
        DriftTestResult ks = DriftTests.Run(DriftMethod.KolmogorovSmirnov, referenceAges, currentAges);
        Console.WriteLine($"{ks.Method}: D={ks.Statistic:F4} p={ks.PValue:E3} drifted={ks.Drifted}");   // p ≤ 0.05 drifts

        DriftTestResult psi = DriftTests.Run(DriftMethod.Psi, referenceAges, currentAges, threshold: 0.2);
        Console.WriteLine($"PSI {psi.Statistic:F3} ≥ {psi.Threshold}: {psi.Drifted}");

        string?[] before = ["card", "card", "wallet", "bank"];
        string?[] after = ["wallet", "wallet", "card", "wallet"];
        DriftTestResult chi = DriftTests.Run(DriftMethod.ChiSquare, before, after);
        Console.WriteLine($"payment method: χ²={chi.Statistic:F2}, p={chi.PValue:F3}");
        #endregion
    }

    /// <summary>A whole dataset, Evidently's default test per column.</summary>
    /// <param name="referenceBatch">Training rows.</param>
    /// <param name="currentBatch">Recent rows.</param>
    public static void DatasetTest(RecordBatch referenceBatch, RecordBatch currentBatch)
    {
        #region dataset-drift
        var options = new DriftOptions { DriftShare = 0.5 };         // dataset drifts when ≥ half its columns drift
        options.Columns["income"] = new ColumnDriftOptions { Method = DriftMethod.Psi, Threshold = 0.2 };
        DatasetDriftResult result = DatasetDrift.Compute(referenceBatch, currentBatch, options);

        foreach (ColumnDriftResult column in result.Columns)
        {
            Console.WriteLine($"{column.Name} ({column.Kind}): {column.Test.Method} {column.Test.Score:G4} drifted={column.Test.Drifted}");
        }

        Console.WriteLine($"{result.DriftedColumns}/{result.Columns.Count} drifted, dataset drift: {result.DatasetDrifted}");
        #endregion
    }

    /// <summary>Profiles training data once, then monitors a service.</summary>
    /// <param name="trainingBatch">The training rows, the prediction column included.</param>
    /// <param name="services">The host's services.</param>
    public static void ProfileAndMonitor(RecordBatch trainingBatch, IServiceCollection services)
    {
        #region profile
        ReferenceProfile profile = ReferenceProfile.Create(trainingBatch);   // exact up to 10,000 distinct values, else a sketch
        Directory.CreateDirectory("profiles");
        File.WriteAllText("profiles/fraud.json", profile.ToJson());         // ship it with the model version
        #endregion

        #region monitor
        services.AddMLOps().AddDriftMonitoring("fraud", o =>
        {
            o.ReferenceProfilePath = "profiles/fraud.json";
            o.WindowKind = DriftWindowKind.Time;
            o.WindowDuration = TimeSpan.FromHours(1);                // a timer closes windows without traffic
            o.PredictionColumn = "prediction";
            o.Drift.NumericalMethod = DriftMethod.Psi;
            o.AlertRules.Add(DriftAlertRule.ColumnStatistic(DriftMethod.Psi, warning: 0.1, critical: 0.2));
            o.AlertRules.Add(DriftAlertRule.Quality(AlertMetric.Accuracy, critical: 0.8));
        });
        #endregion
    }

    /// <summary>Feeds the monitor from a request path.</summary>
    /// <param name="provider">The services.</param>
    /// <param name="row">One value per profile column, in <see cref="DriftMonitor.Columns"/> order.</param>
    /// <param name="requestId">The request's id, to join its label later.</param>
    public static void Observe(IServiceProvider provider, double[] row, string requestId)
    {
        #region observe
        var monitor = provider.GetRequiredKeyedService<DriftMonitor>("fraud");
        // Prints, for example: CRITICAL psi-statistic: amount ColumnStatistic 0.31 crossed 0.2 (monitor 'fraud', window 12)
        monitor.AlertRaised += (_, e) => Console.WriteLine(e.Alert.Message);

        monitor.Observe(row, requestId);                             // one value per column of monitor.Columns; thread-safe
        // ... when the truth arrives, minutes or days later:
        monitor.ObserveLabel(requestId, label: 1);
        #endregion
    }

    /// <summary>Writes a report for humans.</summary>
    /// <param name="profile">The reference profile.</param>
    /// <param name="amounts">Recent values of one column.</param>
    public static void Report(ReferenceProfile profile, double[] amounts)
    {
        #region report
        var current = new Dictionary<string, ColumnSample> { ["amount"] = ColumnSample.Numerical(amounts) };
        DriftReport report = DriftReport.Create(profile, current, title: "fraud: training vs last 24 h");
        File.WriteAllText("drift.html", report.ToHtml());            // one file: inline CSS and SVG, no scripts
        File.WriteAllText("drift.json", report.ToJson());            // schema mlops.drift.report, version 1
        #endregion
    }
}
