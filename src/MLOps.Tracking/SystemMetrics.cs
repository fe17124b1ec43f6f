using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace MLOps.Tracking;

/// <summary>
/// Options of system metrics (<see cref="TrackerOptions.LogSystemMetrics"/>): what is sampled, how often, and under
/// which names. The names are MLflow's (<c>mlflow/system_metrics</c>), so runs compare with Python-logged ones.
/// </summary>
/// <remarks>
/// <para>Metrics, each logged as <c>system/&lt;name&gt;</c> (or <c>system/&lt;node&gt;/&lt;name&gt;</c> with <see cref="NodeId"/>),
/// averaged over <see cref="SamplesBeforeLogging"/> samples and rounded to one decimal as MLflow does, with a step
/// that starts at 0 (or after the largest <c>system/</c> step of a resumed run) and grows by one per publish.
/// Megabytes are 10^6 bytes, as in MLflow.</para>
/// <list type="table">
/// <listheader><term>Source</term><description>Names</description></listheader>
/// <item><term>CPU and memory (Linux <c>/proc</c>)</term><description><c>cpu_utilization_percentage</c> (all cores, busy jiffies over total),
/// <c>system_memory_usage_megabytes</c> and <c>system_memory_usage_percentage</c> (MemTotal − MemAvailable),
/// <c>network_receive_megabytes</c> and <c>network_transmit_megabytes</c> (bytes since boot, all interfaces).</description></item>
/// <item><term>Disk of the root (<see cref="IncludeDisk"/>)</term><description><c>disk_usage_percentage</c>, <c>disk_usage_megabytes</c>, <c>disk_available_megabytes</c>.</description></item>
/// <item><term>This process (<see cref="IncludeProcess"/>)</term><description><c>process_cpu_percentage</c> (of one core, so up to 100 × cores),
/// <c>process_memory_rss_megabytes</c>.</description></item>
/// <item><term>NVIDIA GPUs through NVML (<see cref="IncludeGpu"/>)</term><description>per GPU i: <c>gpu_i_memory_usage_percentage</c>,
/// <c>gpu_i_memory_usage_megabytes</c>, <c>gpu_i_utilization_percentage</c>, <c>gpu_i_power_usage_watts</c>,
/// <c>gpu_i_power_usage_percentage</c>. NVML (<c>libnvidia-ml.so.1</c>, <c>nvml.dll</c>) is loaded at run time when the
/// driver installed it; without it GPU metrics are skipped (one debug log), nothing fails.</description></item>
/// </list>
/// <para>On systems without <c>/proc</c> (Windows, macOS) only the disk, process and GPU metrics are logged. Megabytes
/// that MLflow truncates to whole numbers (memory, disk, network) are truncated here too.</para>
/// </remarks>
public sealed class SystemMetricsOptions
{
    /// <summary>Gets or sets how often the system is sampled, on the tracker's <see cref="TimeProvider"/>. Default: 10 seconds (MLflow's). Range: 100 ms to 1 hour.</summary>
    public TimeSpan SamplingInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how many samples are averaged into one logged point. Default: 1 (MLflow's). Range: 1 to 1000.</summary>
    public int SamplesBeforeLogging { get; set; } = 1;

    /// <summary>Gets or sets a node name inserted after <c>system/</c> (MLflow's <c>MLFLOW_SYSTEM_METRICS_NODE_ID</c>), for runs spread over machines. Default: <see langword="null"/>, none.</summary>
    public string? NodeId { get; set; }

    /// <summary>Gets or sets a value indicating whether NVIDIA GPU metrics are sampled when NVML is present. Default: <see langword="true"/>.</summary>
    public bool IncludeGpu { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether the disk of the file-system root is sampled (MLflow's disk monitor). Default: <see langword="true"/>.</summary>
    public bool IncludeDisk { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether this process's CPU and memory are sampled. Default: <see langword="true"/>.</summary>
    public bool IncludeProcess { get; set; } = true;

    internal void Validate(List<string> problems)
    {
        if (SamplingInterval < TimeSpan.FromMilliseconds(100) || SamplingInterval > TimeSpan.FromHours(1))
        {
            problems.Add($"SystemMetricsOptions.SamplingInterval is {SamplingInterval}; use 100 ms to 1 hour.");
        }

        if (SamplesBeforeLogging is < 1 or > 1000)
        {
            problems.Add($"SystemMetricsOptions.SamplesBeforeLogging is {SamplesBeforeLogging}; use 1 to 1000.");
        }

        if (NodeId is not null)
        {
            try
            {
                Validation.MetricKey("system/" + NodeId + "/x");
            }
            catch (InvalidTrackingValueException)
            {
                problems.Add($"SystemMetricsOptions.NodeId is '{NodeId}'; use letters, digits, '_', '-', '.', ' ', ':' (a metric key segment).");
            }
        }
    }
}

/// <summary>One source of system metrics; <see cref="Sample"/> adds each value under its MLflow name (without <c>system/</c>).</summary>
internal interface ISystemMetricsSource : IDisposable
{
    void Sample(SystemMetricsSample sink);
}

/// <summary>The values of one or more samples, summed per name until they are averaged and logged.</summary>
internal sealed class SystemMetricsSample
{
    public Dictionary<string, (double Sum, int Count)> Sums { get; } = new(StringComparer.Ordinal);

    /// <summary>Adds a value under an MLflow name (without <c>system/</c>); NaN and infinities are skipped.</summary>
    public void Add(string name, double value)
    {
        if (double.IsFinite(value))
        {
            var current = Sums.GetValueOrDefault(name);
            Sums[name] = (current.Sum + value, current.Count + 1);
        }
    }
}

/// <summary>Samples the sources on a timer of the run's clock and logs averages into the run as <c>system/...</c> metrics.</summary>
internal sealed class SystemMetricsMonitor : IDisposable
{
    private readonly TrackedRun _run;
    private readonly ILogger _logger;
    private readonly ISystemMetricsSource[] _sources;
    private readonly int _samplesBeforeLogging;
    private readonly string _prefix;
    private readonly SystemMetricsSample _sample = new();
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private readonly ITimer _timer;
    private readonly bool[] _warned;
    private int _samples;
    private long _step;
    private bool _disposed;

    public SystemMetricsMonitor(TrackedRun run, SystemMetricsOptions options, TimeProvider time, ILogger logger, ISystemMetricsSource[] sources, long firstStep)
    {
        _run = run;
        _logger = logger;
        _sources = sources;
        _warned = new bool[sources.Length];
        _samplesBeforeLogging = options.SamplesBeforeLogging;
        _prefix = options.NodeId is { } node ? $"system/{node}/" : "system/";
        _step = firstStep;
        _timer = time.CreateTimer(static s => ((SystemMetricsMonitor)s!).Tick(), this, options.SamplingInterval, options.SamplingInterval);
    }

    /// <summary>The default sources: /proc CPU and memory (Linux), this process, NVML GPUs when present.</summary>
    public static ISystemMetricsSource[] DefaultSources(SystemMetricsOptions options, TimeProvider time, ILogger logger)
    {
        var sources = new List<ISystemMetricsSource>();
        if (ProcSource.TryCreate("/proc") is { } proc)
        {
            sources.Add(proc);
        }

        if (options.IncludeDisk && Path.GetPathRoot(Environment.CurrentDirectory) is { Length: > 0 } root)
        {
            sources.Add(new DiskSource(root));
        }

        if (options.IncludeProcess)
        {
            sources.Add(new ProcessSource(time));
        }

        if (options.IncludeGpu && NvmlSource.TryCreate(logger) is { } gpu)
        {
            sources.Add(gpu);
        }

        return [.. sources];
    }

    public void Tick()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            for (var i = 0; i < _sources.Length; i++)
            {
                try
                {
                    _sources[i].Sample(_sample);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or OverflowException or InvalidOperationException or ExternalException or ArgumentException)
                {
                    if (!_warned[i])
                    {
                        _warned[i] = true;
                        Log.SystemMetricsFailed(_logger, ex, _run.RunId, _sources[i].GetType().Name);
                    }
                }
            }

            if (++_samples < _samplesBeforeLogging)
            {
                return;
            }

            foreach (var (name, (sum, count)) in _sample.Sums)
            {
                if (!_names.TryGetValue(name, out var key))
                {
                    key = _prefix + name;
                    _names[name] = key;
                }

                _run.LogSystemMetric(key, Math.Round(sum / count, 1), _step);
            }

            _sample.Sums.Clear();
            _samples = 0;
            _step++;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _timer.Dispose();
        foreach (var source in _sources)
        {
            source.Dispose();
        }
    }
}

/// <summary>Whole-machine CPU and memory from Linux's <c>/proc/stat</c> and <c>/proc/meminfo</c>.</summary>
internal sealed class ProcSource : ISystemMetricsSource
{
    private readonly string _stat;
    private readonly string _meminfo;
    private readonly string _netdev;
    private ulong _busy;
    private ulong _total;

    private ProcSource(string root)
    {
        _stat = Path.Combine(root, "stat");
        _meminfo = Path.Combine(root, "meminfo");
        _netdev = Path.Combine(root, "net", "dev");
        (_busy, _total) = ReadCpu(_stat);
    }

    public static ProcSource? TryCreate(string root)
    {
        try
        {
            return File.Exists(Path.Combine(root, "stat")) && File.Exists(Path.Combine(root, "meminfo")) ? new ProcSource(root) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    public void Sample(SystemMetricsSample sink)
    {
        var (busy, total) = ReadCpu(_stat);
        // psutil's cpu_percent: busy over total jiffies since the last sample, 0 when no jiffy passed.
        sink.Add("cpu_utilization_percentage", total > _total ? 100.0 * (busy - Math.Min(busy, _busy)) / (total - _total) : 0);

        (_busy, _total) = (busy, total);
        ulong memTotal = 0, memAvailable = 0;
        foreach (var line in File.ReadLines(_meminfo))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                memTotal = Kilobytes(line);
            }
            else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
            {
                memAvailable = Kilobytes(line);
            }
        }

        if (memTotal > 0)
        {
            var used = (memTotal - Math.Min(memTotal, memAvailable)) * 1024.0;
            sink.Add("system_memory_usage_megabytes", Math.Floor(used / 1e6)); // MLflow: int(used / 1e6)
            sink.Add("system_memory_usage_percentage", 100.0 * used / (memTotal * 1024.0));
        }

        if (File.Exists(_netdev))
        {
            // psutil.net_io_counters(): bytes since boot over every interface (loopback included); MLflow logs int(bytes / 1e6).
            ulong received = 0, sent = 0;
            foreach (var line in File.ReadLines(_netdev))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0)
                {
                    continue;
                }

                var fields = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length >= 9)
                {
                    received += ulong.Parse(fields[0], CultureInfo.InvariantCulture);
                    sent += ulong.Parse(fields[8], CultureInfo.InvariantCulture);
                }
            }

            sink.Add("network_receive_megabytes", Math.Floor(received / 1e6));
            sink.Add("network_transmit_megabytes", Math.Floor(sent / 1e6));
        }
    }

    public void Dispose()
    {
    }

    /// <summary>The first line of /proc/stat: <c>cpu user nice system idle iowait irq softirq steal guest guest_nice</c>; busy = total − idle − iowait (guest time is already in user and nice).</summary>
    internal static (ulong Busy, ulong Total) ReadCpu(string path)
    {
        using var reader = new StreamReader(path);
        var line = reader.ReadLine() ?? throw new FormatException($"'{path}' is empty.");
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 5 || fields[0] != "cpu")
        {
            throw new FormatException($"'{path}' does not start with an aggregate 'cpu' line.");
        }

        ulong total = 0, idle = 0;
        for (var i = 1; i < fields.Length && i <= 8; i++)
        {
            var value = ulong.Parse(fields[i], CultureInfo.InvariantCulture);
            total += value;
            if (i is 4 or 5)
            {
                idle += value;
            }
        }

        return (total - idle, total);
    }

    private static ulong Kilobytes(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return ulong.Parse(fields[1], CultureInfo.InvariantCulture);
    }
}

/// <summary>The disk holding the file-system root (<c>/</c>, or the current drive on Windows), as MLflow's disk monitor: psutil's <c>disk_usage</c>.</summary>
internal sealed class DiskSource(string root) : ISystemMetricsSource
{
    public void Sample(SystemMetricsSample sink)
    {
        var drive = new DriveInfo(root);
        var used = (double)(drive.TotalSize - drive.TotalFreeSpace);
        var available = (double)drive.AvailableFreeSpace;
        if (used + available > 0)
        {
            sink.Add("disk_usage_percentage", 100.0 * used / (used + available)); // psutil: used / (used + free to non-root users)
        }

        sink.Add("disk_usage_megabytes", Math.Floor(used / 1e6));
        sink.Add("disk_available_megabytes", Math.Floor(available / 1e6));
    }

    public void Dispose()
    {
    }
}

/// <summary>This process's CPU time (as a percentage of one core over the interval, like psutil) and resident memory.</summary>
internal sealed class ProcessSource : ISystemMetricsSource
{
    private readonly TimeProvider _time;
    private TimeSpan _cpu;
    private long _at;

    public ProcessSource(TimeProvider time)
    {
        _time = time;
        _cpu = CpuTime();
        _at = time.GetTimestamp();
    }

    public void Sample(SystemMetricsSample sink)
    {
        var cpu = CpuTime();
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_at, now);
        if (elapsed > TimeSpan.Zero)
        {
            sink.Add("process_cpu_percentage", 100.0 * (cpu - _cpu).TotalSeconds / elapsed.TotalSeconds);
        }

        (_cpu, _at) = (cpu, now);
        sink.Add("process_memory_rss_megabytes", Environment.WorkingSet / 1e6);
    }

    public void Dispose()
    {
    }

    private static TimeSpan CpuTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }
}

/// <summary>NVIDIA GPUs through NVML, loaded at run time (<c>libnvidia-ml.so.1</c> / <c>nvml.dll</c>); absent library or no GPU: no source.</summary>
internal sealed class NvmlSource : ISystemMetricsSource
{
    private readonly IntPtr _library;
    private readonly IntPtr[] _devices;
    private readonly Functions _nvml;
    private int _disposed;

    private NvmlSource(IntPtr library, Functions nvml, IntPtr[] devices)
    {
        _library = library;
        _nvml = nvml;
        _devices = devices;
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int NoArgs();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int GetCount(out uint count);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int GetHandle(uint index, out IntPtr device);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int GetMemory(IntPtr device, out NvmlMemory memory);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int GetUtilization(IntPtr device, out NvmlUtilization utilization);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int GetUInt(IntPtr device, out uint value);

    public int DeviceCount => _devices.Length;

    public static NvmlSource? TryCreate(ILogger logger)
    {
        string[] names = OperatingSystem.IsWindows() ? ["nvml.dll"] : ["libnvidia-ml.so.1", "libnvidia-ml.so"];
        var library = IntPtr.Zero;
        foreach (var name in names)
        {
            if (NativeLibrary.TryLoad(name, out library))
            {
                break;
            }
        }

        if (library == IntPtr.Zero)
        {
            Log.GpuMetricsUnavailable(logger, "the NVIDIA management library (NVML) is not installed");
            return null;
        }

        try
        {
            var nvml = new Functions(library);
            var rc = nvml.Init();
            if (rc != 0)
            {
                var reason = string.Create(CultureInfo.InvariantCulture, $"nvmlInit failed with NVML error {rc} (no GPU or driver)");
                Log.GpuMetricsUnavailable(logger, reason);
                NativeLibrary.Free(library);
                return null;
            }

            if (nvml.GetCount(out var count) != 0 || count == 0)
            {
                _ = nvml.Shutdown();
                NativeLibrary.Free(library);
                Log.GpuMetricsUnavailable(logger, "NVML found no GPU");
                return null;
            }

            var devices = new IntPtr[count];
            for (var i = 0u; i < count; i++)
            {
                _ = nvml.GetHandle(i, out devices[i]);
            }

            return new NvmlSource(library, nvml, devices);
        }
        catch (EntryPointNotFoundException ex)
        {
            var reason = "the installed NVML lacks a function: " + ex.Message;
            Log.GpuMetricsUnavailable(logger, reason);
            NativeLibrary.Free(library);
            return null;
        }
    }

    public void Sample(SystemMetricsSample sink)
    {
        for (var i = 0; i < _devices.Length; i++)
        {
            var device = _devices[i];
            var prefix = string.Create(CultureInfo.InvariantCulture, $"gpu_{i}_");
            if (_nvml.GetMemory(device, out var memory) == 0 && memory.Total > 0)
            {
                sink.Add(prefix + "memory_usage_percentage", 100.0 * memory.Used / memory.Total);
                sink.Add(prefix + "memory_usage_megabytes", memory.Used / 1e6);
            }

            if (_nvml.GetUtilization(device, out var utilization) == 0)
            {
                sink.Add(prefix + "utilization_percentage", utilization.Gpu);
            }

            if (_nvml.GetPower(device, out var milliwatts) == 0)
            {
                sink.Add(prefix + "power_usage_watts", milliwatts / 1000.0);
                if (_nvml.GetPowerLimit(device, out var limit) == 0 && limit > 0)
                {
                    sink.Add(prefix + "power_usage_percentage", 100.0 * milliwatts / limit);
                }
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _ = _nvml.Shutdown();
            NativeLibrary.Free(_library);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct NvmlMemory
    {
        public ulong Total;
        public ulong Free;
        public ulong Used;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct NvmlUtilization
    {
        public uint Gpu;
        public uint Memory;
    }

    private sealed class Functions(IntPtr library)
    {
        public NoArgs Init { get; } = Export<NoArgs>(library, "nvmlInit_v2");

        public NoArgs Shutdown { get; } = Export<NoArgs>(library, "nvmlShutdown");

        public GetCount GetCount { get; } = Export<GetCount>(library, "nvmlDeviceGetCount_v2");

        public GetHandle GetHandle { get; } = Export<GetHandle>(library, "nvmlDeviceGetHandleByIndex_v2");

        public GetMemory GetMemory { get; } = Export<GetMemory>(library, "nvmlDeviceGetMemoryInfo");

        public GetUtilization GetUtilization { get; } = Export<GetUtilization>(library, "nvmlDeviceGetUtilizationRates");

        public GetUInt GetPower { get; } = Export<GetUInt>(library, "nvmlDeviceGetPowerUsage");

        public GetUInt GetPowerLimit { get; } = Export<GetUInt>(library, "nvmlDeviceGetEnforcedPowerLimit");

        private static T Export<T>(IntPtr library, string name)
            where T : Delegate =>
            Marshal.GetDelegateForFunctionPointer<T>(NativeLibrary.GetExport(library, name));
    }
}
