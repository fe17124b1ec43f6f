using System.Diagnostics;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using MLOps.Datasets;

namespace MLOps.Benchmarks;

/// <summary>
/// SHA-256 of a 1 GiB file: <see cref="DatasetFingerprint.HashFileAsync"/> against GNU coreutils <c>sha256sum</c>
/// (the baseline) and <c>openssl dgst -sha256</c>, each run as a child process on the same file in the same run.
/// The file is written once per benchmark process and sits in the page cache, so this measures hashing, not the disk.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 3, iterationCount: 5)]
public class HashingBenchmarks
{
    private const long FileSize = 1L << 30;

    private string _folder = null!;
    private string _file = null!;

    [GlobalSetup]
    public void CreateFile()
    {
        _folder = Path.Combine(Path.GetTempPath(), "mlops-hashing-bench-" + Environment.ProcessId);
        Directory.CreateDirectory(_folder);
        _file = Path.Combine(_folder, "1GiB.bin");

        // Deterministic, incompressible content: a xorshift64 stream with a fixed seed.
        var buffer = new byte[1 << 20];
        var words = MemoryMarshal.Cast<byte, ulong>(buffer.AsSpan());
        var x = 0x9E3779B97F4A7C15UL;
        using var stream = new FileStream(_file, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        for (long written = 0; written < FileSize; written += buffer.Length)
        {
            for (var i = 0; i < words.Length; i++)
            {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                words[i] = x;
            }

            stream.Write(buffer);
        }
    }

    [GlobalCleanup]
    public void DeleteFile()
    {
        // Reported next to the table in docs/benchmarks.md: the whole process, not one operation.
        var gc = GC.GetGCMemoryInfo(GCKind.Any);
        Console.WriteLine(
            $"MLOPS-MEMORY: peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024):F1} MiB; "
            + $"GC heap after last GC {gc.HeapSizeBytes / (1024.0 * 1024):F1} MiB; "
            + $"GCs gen0/1/2 {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}; "
            + $"total allocated {GC.GetTotalAllocatedBytes(precise: true) / (1024.0 * 1024):F1} MiB");
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "sha256sum (coreutils 9, child process)")]
    public string Sha256sum() => RunTool("sha256sum", _file);

    [Benchmark(Description = "openssl dgst -sha256 (child process)")]
    public string OpenSsl() => RunTool("openssl", "dgst", "-sha256", "-r", _file);

    [Benchmark(Description = "DatasetFingerprint.HashFileAsync")]
    public async Task<string> HashFileAsync() => await DatasetFingerprint.HashFileAsync(_file);

    private static string RunTool(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} exited with {process.ExitCode}");
        }

        return output[..64];
    }
}
