using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging.Abstractions;

namespace MLOps.Tracking.Tests;

/// <summary>System metrics: MLflow's <c>system/...</c> names, sampled on the tracker's clock (a fake one here, no sleeps).</summary>
public sealed class SystemMetricsTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task SystemMetrics_Enabled_LogsMlflowNamesEveryTenSecondsWithIncreasingSteps()
    {
        Assert.SkipUnless(File.Exists("/proc/meminfo"), "needs Linux /proc for the whole-machine metrics");
        await using var f = new StoreFixture(new TrackerOptions { LogSystemMetrics = true });
        var run = await f.Tracker.StartRunAsync("sys");
        var start = f.Time.GetUtcNow().ToUnixTimeMilliseconds();
        f.Time.Advance(Interval - TimeSpan.FromSeconds(1));
        await run.FlushAsync();
        (await f.Store.GetRunAsync(run.RunId)).Metrics.Keys.Should().NotContain(k => k.StartsWith("system/", StringComparison.Ordinal), "nothing before the first 10 s");

        f.Time.Advance(TimeSpan.FromSeconds(1));
        f.Time.Advance(Interval);
        await run.CompleteAsync();
        f.Time.Advance(Interval); // ended: no more samples

        var stored = await f.Store.GetRunAsync(run.RunId);
        stored.Metrics.Keys.Where(k => k.StartsWith("system/", StringComparison.Ordinal)).Should().Contain(
        [
            "system/cpu_utilization_percentage",
            "system/system_memory_usage_megabytes",
            "system/system_memory_usage_percentage",
            "system/network_receive_megabytes",
            "system/network_transmit_megabytes",
            "system/disk_usage_percentage",
            "system/disk_usage_megabytes",
            "system/disk_available_megabytes",
            "system/process_cpu_percentage",
            "system/process_memory_rss_megabytes",
        ]);
        var memory = (await f.Store.GetMetricHistoryAsync(run.RunId, "system/system_memory_usage_megabytes")).Items;
        memory.Select(m => m.Step).Should().Equal(0, 1);
        memory.Select(m => m.Timestamp).Should().Equal(start + 10_000, start + 20_000);
        var totalMb = ReadMemTotalKilobytes() * 1024 / 1e6;
        memory.Should().OnlyContain(m => m.Value > 0 && m.Value <= totalMb);
        // The fake clock jumps 10 s at once, so the kernel may count no jiffy between two samples: psutil's rule then gives 0.
        (await f.Store.GetMetricHistoryAsync(run.RunId, "system/cpu_utilization_percentage")).Items.Should().HaveCount(2).And.OnlyContain(m => m.Value >= 0 && m.Value <= 100);
        (await f.Store.GetMetricHistoryAsync(run.RunId, "system/system_memory_usage_percentage")).Items.Should().OnlyContain(m => m.Value > 0 && m.Value <= 100);
        var rss = (await f.Store.GetMetricHistoryAsync(run.RunId, "system/process_memory_rss_megabytes")).Items;
        rss.Should().OnlyContain(m => m.Value > 1 && m.Value < totalMb, "this test process uses some memory, less than the machine has");
    }

    [Fact]
    public async Task SystemMetrics_Disabled_ByDefault_LogsNothing()
    {
        await using var f = new StoreFixture();
        var run = await f.Tracker.StartRunAsync("sys");
        f.Time.Advance(TimeSpan.FromMinutes(1));
        await run.CompleteAsync();
        (await f.Store.GetRunAsync(run.RunId)).Metrics.Should().BeEmpty();
    }

    [Fact]
    public async Task SystemMetrics_SeveralSamplesPerPoint_AveragedRoundedAndPrefixedWithNode()
    {
        var options = new TrackerOptions { LogSystemMetrics = true };
        options.SystemMetrics.SamplingInterval = TimeSpan.FromSeconds(1);
        options.SystemMetrics.SamplesBeforeLogging = 3;
        options.SystemMetrics.NodeId = "node-1";
        await using var f = new StoreFixture(options);
        var source = new ScriptedSource([10, 20, 33.333, 1, 2, 3]);
        f.Tracker.SystemMetricsSources = () => [source];
        var run = await f.Tracker.StartRunAsync("sys");
        for (var i = 0; i < 6; i++)
        {
            f.Time.Advance(TimeSpan.FromSeconds(1));
        }

        await run.CompleteAsync();
        var points = (await f.Store.GetMetricHistoryAsync(run.RunId, "system/node-1/gpu_0_utilization_percentage")).Items;
        points.Select(p => (p.Step, p.Value)).Should().Equal((0L, 21.1), (1L, 2.0)); // (10 + 20 + 33.333) / 3 = 21.111 → 21.1
        source.Disposed.Should().BeTrue("the run stopped sampling when it ended");
    }

    [Fact]
    public async Task SystemMetrics_ResumedRun_StepsContinueAfterTheLargestSystemStep()
    {
        var options = new TrackerOptions { LogSystemMetrics = true };
        await using var f = new StoreFixture(options);
        f.Tracker.SystemMetricsSources = () => [new ScriptedSource([1, 2, 3, 4, 5])];
        var run = await f.Tracker.StartRunAsync("sys");
        f.Time.Advance(Interval);
        f.Time.Advance(Interval);
        await run.CompleteAsync();

        var resumed = await f.Tracker.ResumeRunAsync(run.RunId);
        f.Time.Advance(Interval);
        await resumed.CompleteAsync();
        var points = (await f.Store.GetMetricHistoryAsync(run.RunId, "system/gpu_0_utilization_percentage")).Items;
        points.Select(p => p.Step).Should().Equal(0, 1, 2);
    }

    [Fact]
    public async Task SystemMetrics_ChildRun_IsNotSampledTwice()
    {
        await using var f = new StoreFixture(new TrackerOptions { LogSystemMetrics = true });
        f.Tracker.SystemMetricsSources = () => [new ScriptedSource([1, 2, 3, 4, 5, 6])];
        var parent = await f.Tracker.StartRunAsync("sys");
        var child = await parent.StartChildRunAsync("child");
        f.Time.Advance(Interval);
        await child.CompleteAsync();
        await parent.CompleteAsync();
        (await f.Store.GetRunAsync(child.RunId)).Metrics.Should().BeEmpty();
        (await f.Store.GetRunAsync(parent.RunId)).Metrics.Should().ContainKey("system/gpu_0_utilization_percentage");
    }

    [Fact]
    public void ProcSource_HandWrittenProcFiles_CpuFromJiffyDeltasAndMemoryFromMemAvailable()
    {
        using var dir = new TempDirectory("mlops-proc-");
        File.WriteAllText(dir.Combine("stat"), "cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 50 0 50 400 0 0 0 0 0 0\n");
        File.WriteAllText(dir.Combine("meminfo"), "MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    4000000 kB\n");
        var source = ProcSource.TryCreate(dir.Path)!;
        File.WriteAllText(dir.Combine("stat"), "cpu  200 0 150 850 50 0 0 0 0 0\n");
        var sink = new RecordingSink();
        sink.Sample(source);

        // total 1000 → 1250, idle+iowait 800 → 900: busy 200 → 350, so 150 of 250 jiffies = 60 %.
        sink.Values["cpu_utilization_percentage"].Should().BeApproximately(60.0, 1e-9);
        // used = (16,000,000 − 4,000,000) kB × 1024 = 12,288,000,000 bytes = 12,288 MB (MLflow's 10^6-byte MB), 75 %.
        sink.Values["system_memory_usage_megabytes"].Should().BeApproximately(12_288.0, 1e-9);
        sink.Values["system_memory_usage_percentage"].Should().BeApproximately(75.0, 1e-9);
    }

    [Fact]
    public void ProcSource_HandWrittenNetDev_SumsEveryInterfaceInWholeMegabytes()
    {
        using var dir = new TempDirectory("mlops-proc-");
        File.WriteAllText(dir.Combine("stat"), "cpu  100 0 100 800 0 0 0 0 0 0\n");
        File.WriteAllText(dir.Combine("meminfo"), "MemTotal:       16000000 kB\nMemAvailable:    4000000 kB\n");
        System.IO.Directory.CreateDirectory(dir.Combine("net"));
        File.WriteAllText(dir.Combine("net", "dev"), """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo: 1500000     100    0    0    0     0          0         0  1500000     100    0    0    0     0       0          0
              eth0: 2600000     200    0    0    0     0          0         0   900000     150    0    0    0     0       0          0
            """);
        var sink = new RecordingSink();
        sink.Sample(ProcSource.TryCreate(dir.Path)!);

        // received 1.5 MB + 2.6 MB = 4.1 MB → 4 (MLflow's int()); sent 1.5 + 0.9 = 2.4 → 2.
        sink.Values["network_receive_megabytes"].Should().Be(4);
        sink.Values["network_transmit_megabytes"].Should().Be(2);
    }

    [Fact]
    public void DiskSource_Root_MatchesDriveInfo()
    {
        var root = Path.GetPathRoot(Environment.CurrentDirectory)!;
        var sink = new RecordingSink();
        sink.Sample(new DiskSource(root));
        var drive = new DriveInfo(root);
        var totalMb = drive.TotalSize / 1e6;
        sink.Values["disk_usage_percentage"].Should().BeInRange(0, 100);
        sink.Values["disk_usage_megabytes"].Should().BeInRange(0, totalMb);
        sink.Values["disk_available_megabytes"].Should().BeApproximately(Math.Floor(drive.AvailableFreeSpace / 1e6), 2_000, "free space moves a little while tests write");
    }

    [Fact]
    public void ProcSource_MissingFiles_IsSkipped()
    {
        using var dir = new TempDirectory("mlops-proc-");
        ProcSource.TryCreate(dir.Path).Should().BeNull();
    }

    [Fact]
    public void NvmlSource_LibraryAbsent_ReturnsNullWithoutThrowing()
    {
        var present = NativeLibrary.TryLoad(OperatingSystem.IsWindows() ? "nvml.dll" : "libnvidia-ml.so.1", out var handle);
        if (present)
        {
            NativeLibrary.Free(handle);
        }

        using var source = NvmlSource.TryCreate(NullLogger.Instance);
        if (!present)
        {
            source.Should().BeNull("no NVML on this machine: GPU metrics are skipped");
            return;
        }

        // With a driver: each GPU reports MLflow's gpu_i_* names with values in range.
        var sink = new RecordingSink();
        sink.Sample(source!);
        sink.Values.Keys.Should().Contain("gpu_0_memory_usage_megabytes").And.Contain("gpu_0_utilization_percentage");
        sink.Values["gpu_0_utilization_percentage"].Should().BeInRange(0, 100);
        TestContext.Current.SendDiagnosticMessage("NVML: " + string.Join(", ", sink.Values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}={v.Value}")));
    }

    [Fact]
    public void Options_SystemMetricsOutOfRange_AreReported()
    {
        var options = new TrackerOptions();
        options.SystemMetrics.SamplingInterval = TimeSpan.FromMilliseconds(10);
        options.SystemMetrics.SamplesBeforeLogging = 0;
        options.SystemMetrics.NodeId = "bad\nnode";
        var problems = options.Validate();
        problems.Should().HaveCount(3);
        problems.Should().Contain(p => p.Contains("SamplingInterval", StringComparison.Ordinal))
            .And.Contain(p => p.Contains("SamplesBeforeLogging", StringComparison.Ordinal))
            .And.Contain(p => p.Contains("NodeId", StringComparison.Ordinal));
        new TrackerOptions().SystemMetrics.SamplingInterval.Should().Be(TimeSpan.FromSeconds(10), "MLflow's default");
    }

    private static double ReadMemTotalKilobytes() =>
        double.Parse(File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    /// <summary>Adds the next scripted value per sample under a GPU name.</summary>
    private sealed class ScriptedSource(double[] values) : ISystemMetricsSource
    {
        private int _next;

        public bool Disposed { get; private set; }

        public void Sample(SystemMetricsSample sink) => sink.Add("gpu_0_utilization_percentage", values[_next++ % values.Length]);

        public void Dispose() => Disposed = true;
    }

    /// <summary>Collects what a source adds in one sample.</summary>
    private sealed class RecordingSink
    {
        public Dictionary<string, double> Values { get; } = new(StringComparer.Ordinal);

        public void Sample(ISystemMetricsSource source)
        {
            var sample = new SystemMetricsSample();
            source.Sample(sample);
            foreach (var (name, (sum, count)) in sample.Sums)
            {
                Values[name] = sum / count;
            }
        }
    }
}
