using System.Diagnostics;
using MLOps.Artifacts;
using MLOps.TestKit;

namespace MLOps.Core.Tests.Artifacts;

/// <summary>
/// A real child process writes an artifact and is killed with SIGKILL in the middle of the write.
/// </summary>
public sealed class KilledWriterTests : IDisposable
{
    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task PutAsync_WriterKilledMidWrite_LeavesNoVisibleArtifact()
    {
        await KillWriterMidPutAsync("models/fraud.onnx", bytesBeforeHang: 8 << 20);

        var store = new LocalArtifactStore(_root.Path);
        (await store.ExistsAsync("models/fraud.onnx")).Should().BeFalse();
        (await store.GetInfoAsync("models/fraud.onnx")).Should().BeNull();
        (await ToListAsync(store.ListAsync())).Should().BeEmpty();
        Directory.GetFiles(Path.Combine(_root.Path, "blobs"), "*", SearchOption.AllDirectories).Should().BeEmpty();
        var orphan = Directory.GetFiles(Path.Combine(_root.Path, "tmp")).Should().ContainSingle().Which;
        new FileInfo(orphan).Length.Should().BeGreaterThan(0, "the killed writer had streamed data into its temp file");
    }

    [Fact]
    public async Task PutAsync_OverwriteKilledMidWrite_KeepsPreviousVersionIntact()
    {
        var store = new LocalArtifactStore(_root.Path);
        var v1 = new byte[1 << 20];
        new Random(5).NextBytes(v1);
        var before = await store.PutAsync("models/fraud.onnx", new MemoryStream(v1));

        await KillWriterMidPutAsync("models/fraud.onnx", bytesBeforeHang: 4 << 20);

        (await store.GetInfoAsync("models/fraud.onnx")).Should().Be(before);
        await using var read = await store.OpenReadAsync("models/fraud.onnx", verify: true);
        var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        copy.ToArray().Should().Equal(v1);
    }

    [Fact]
    public async Task CollectGarbageAsync_AfterKilledWriter_RemovesOrphanAndStoreStillWorks()
    {
        await KillWriterMidPutAsync("x.bin", bytesBeforeHang: 1 << 20);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(2));
        var store = new LocalArtifactStore(_root.Path, time);

        var report = await store.CollectGarbageAsync(TimeSpan.FromDays(1));
        await store.PutAsync("x.bin", new MemoryStream([1, 2, 3]));

        report.TempFilesDeleted.Should().Be(1);
        Directory.GetFiles(Path.Combine(_root.Path, "tmp")).Should().BeEmpty();
        (await store.GetInfoAsync("x.bin"))!.Length.Should().Be(3);
    }

    private async Task KillWriterMidPutAsync(string path, long bytesBeforeHang)
    {
        var writer = Path.Combine(AppContext.BaseDirectory, "MLOps.Core.CrashWriter.dll");
        var info = new ProcessStartInfo(ProcessRunner.DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { writer, _root.Path, path, bytesBeforeHang.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        line.Should().Be("HANGING", "the writer should be blocked inside PutAsync; stderr: {0}", process.HasExited ? await process.StandardError.ReadToEndAsync() : "");

        process.Kill(); // SIGKILL on Unix: no finally blocks, no cleanup in the child
        await process.WaitForExitAsync(timeout.Token);
        process.ExitCode.Should().Be(137, "128 + SIGKILL(9)");
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source)
        {
            list.Add(item);
        }

        return list;
    }
}
