using BenchmarkDotNet.Attributes;
using MLOps.Drift;
using MLOps.Drift.Statistics;

namespace MLOps.Benchmarks;

/// <summary>
/// KS on 1M vs 1M doubles and PSI on 10M vs 10M doubles. Reads the data written by
/// benchmarks/peers/drift_scipy.py (DRIFT_BENCH_DATA, default BenchmarkDotNet.Artifacts/drift-data) so both sides
/// time the same values; generates equivalent data when the files are absent.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class DriftBenchmarks
{
    private double[] _ksReference = [];
    private double[] _ksCurrent = [];
    private double[] _psiReference = [];
    private double[] _psiCurrent = [];

    [GlobalSetup]
    public void Setup()
    {
        string dir = Environment.GetEnvironmentVariable("DRIFT_BENCH_DATA")
            ?? Path.Combine(FindRepoRoot(), "BenchmarkDotNet.Artifacts", "drift-data");
        _ksReference = Load(dir, "ks_ref", 1_000_000, 1, 0.0, 1.0);
        _ksCurrent = Load(dir, "ks_cur", 1_000_000, 2, 0.01, 1.0);
        _psiReference = Load(dir, "psi_ref", 10_000_000, 3, 0.0, 1.0);
        _psiCurrent = Load(dir, "psi_cur", 10_000_000, 4, 0.05, 1.1);
        KolmogorovSmirnovResult ks = TwoSampleTests.KolmogorovSmirnov(_ksReference, _ksCurrent);
        Console.WriteLine($"// drift data: {dir}; KS D={ks.Statistic:R} p={ks.PValue:R}; PSI={DriftTests.Run(DriftMethod.Psi, _psiReference, _psiCurrent).Statistic:R}");
    }

    [Benchmark]
    public double Ks_1M_vs_1M() => TwoSampleTests.KolmogorovSmirnov(_ksReference, _ksCurrent).PValue;

    [Benchmark]
    public bool KsColumn_1M_vs_1M() => DriftTests.Run(DriftMethod.KolmogorovSmirnov, _ksReference, _ksCurrent).Drifted;

    [Benchmark]
    public double Psi_10M_vs_10M() => DriftTests.Run(DriftMethod.Psi, _psiReference, _psiCurrent).Statistic;

    private static double[] Load(string dir, string name, int n, int seed, double mean, double sd)
    {
        string path = Path.Combine(dir, name + ".f64");
        if (File.Exists(path))
        {
            byte[] bytes = File.ReadAllBytes(path);
            double[] values = new double[bytes.Length / sizeof(double)];
            Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
            return values;
        }

        var rng = new Random(seed);
        double[] generated = new double[n];
        for (int i = 0; i < n; i++)
        {
            double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
            generated[i] = mean + (sd * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }

        return generated;
    }

    private static string FindRepoRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "MLOps.Sdk.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? Directory.GetCurrentDirectory();
    }
}
