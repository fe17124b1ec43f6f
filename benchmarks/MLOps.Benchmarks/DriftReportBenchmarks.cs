using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using MLOps.Drift;

namespace MLOps.Benchmarks;

/// <summary>
/// A full dataset drift report — every column tested with Evidently's default test, histograms, self-contained HTML —
/// over 1,000,000 reference rows and 1,000,000 current rows × 100 numeric columns (half of them shifted).
/// Issue 6's target: under 10 s on 2 cores, peak memory under twice the data (2 × 1.6 GB of doubles).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class DriftReportBenchmarks
{
    private const int Rows = 1_000_000;
    private const int Columns = 100;
    private List<DriftColumnInput> _columns = null!;
    private long _baselineWorkingSet;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(20261126);
        var buffer = new double[Rows];
        _columns = new List<DriftColumnInput>(Columns);
        for (var c = 0; c < Columns; c++)
        {
            Fill(random, buffer, 0, 1);
            var reference = ColumnSample.Numerical(buffer);
            Fill(random, buffer, c % 2 == 0 ? 0.05 : 0, 1);
            var current = ColumnSample.Numerical(buffer);
            _columns.Add(new DriftColumnInput("f" + c, reference, current));
        }

        GC.Collect();
        using var process = Process.GetCurrentProcess();
        _baselineWorkingSet = process.WorkingSet64;
        Console.WriteLine($"// data: {2L * Rows * Columns * sizeof(double) / (1 << 20):N0} MiB of doubles; working set after setup {_baselineWorkingSet / (1 << 20):N0} MiB");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        using var process = Process.GetCurrentProcess();
        Console.WriteLine($"// peak working set {process.PeakWorkingSet64 / (1 << 20):N0} MiB (after setup: {_baselineWorkingSet / (1 << 20):N0} MiB)");
    }

    [Benchmark(Description = "1M x 100 report: tests, histograms, HTML")]
    public int Report() => DriftReport.Create(_columns).ToHtml().Length;

    private static void Fill(Random random, double[] buffer, double shift, double scale)
    {
        for (var i = 0; i < buffer.Length; i += 2)
        {
            // Box-Muller: two normals per pair of uniforms.
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            var r = Math.Sqrt(-2.0 * Math.Log(u1));
            buffer[i] = shift + (scale * r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < buffer.Length)
            {
                buffer[i + 1] = shift + (scale * r * Math.Sin(2 * Math.PI * u2));
            }
        }
    }
}
