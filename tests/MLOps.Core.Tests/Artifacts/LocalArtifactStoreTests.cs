using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using MLOps.Artifacts;
using MLOps.TestKit;

namespace MLOps.Core.Tests.Artifacts;

public sealed class LocalArtifactStoreTests : IDisposable
{
    // FIPS 180-2, appendix B.1: SHA-256("abc").
    private const string AbcSha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    private readonly TempDirectory _root = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
    private readonly LocalArtifactStore _store;

    public LocalArtifactStoreTests() => _store = new LocalArtifactStore(_root.Path, _time);

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task PutAsync_KnownContent_RecordsFipsDigestAndLength()
    {
        var info = await _store.PutAsync("runs/1/abc.txt", new MemoryStream("abc"u8.ToArray()));

        info.Sha256.Should().Be(AbcSha256);
        info.Length.Should().Be(3);
        info.CreatedAt.Should().Be(_time.GetUtcNow());
        (await _store.GetInfoAsync("runs/1/abc.txt")).Should().Be(info);
    }

    [Fact]
    public async Task PutAsync_LargeContent_BlobMatchesSha256sumOfTheBytes()
    {
        var bytes = new byte[3 * 1024 * 1024 + 17];
        new Random(7).NextBytes(bytes);
        var source = Path.Combine(_root.Path, "source.bin");
        await File.WriteAllBytesAsync(source, bytes);

        var info = await _store.PutAsync("big.bin", File.OpenRead(source));

        info.Sha256.Should().Be(await ProcessRunner.Sha256SumAsync(source));
        await using var read = await _store.OpenReadAsync("big.bin", verify: true);
        var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        copy.ToArray().Should().Equal(bytes);
    }

    [Fact]
    public async Task PutAsync_SameContentTwice_StoresOneBlob()
    {
        await _store.PutAsync("a/model.onnx", new MemoryStream("same bytes"u8.ToArray()));
        await _store.PutAsync("b/copy.onnx", new MemoryStream("same bytes"u8.ToArray()));

        BlobFiles().Should().ContainSingle();
    }

    [Fact]
    public async Task PutAsync_ConcurrentPutsOfSameContent_StoreOneBlob()
    {
        var bytes = new byte[2 * 1024 * 1024];
        new Random(11).NextBytes(bytes);
        using var start = new Barrier(8);

        var puts = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            start.SignalAndWait();
            return await _store.PutAsync($"concurrent/{i}.bin", new MemoryStream(bytes));
        }));
        var infos = await Task.WhenAll(puts);

        infos.Select(i => i.Sha256).Distinct().Should().ContainSingle().Which.Should().Be(Convert.ToHexStringLower(SHA256.HashData(bytes)));
        BlobFiles().Should().ContainSingle();
        Directory.EnumerateFiles(Path.Combine(_root.Path, "tmp")).Should().BeEmpty();
    }

    [Fact]
    public async Task PutAsync_ConcurrentPutsToSamePath_LastWriterWinsWithWholeContent()
    {
        var contents = Enumerable.Range(0, 6).Select(i => Encoding.UTF8.GetBytes(new string((char)('a' + i), 100_000))).ToArray();
        using var start = new Barrier(contents.Length);

        await Task.WhenAll(contents.Select(c => Task.Run(async () =>
        {
            start.SignalAndWait();
            await _store.PutAsync("shared/path.txt", new MemoryStream(c));
        })));

        await using var read = await _store.OpenReadAsync("shared/path.txt", verify: true);
        var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        var stored = copy.ToArray();
        contents.Count(c => c.SequenceEqual(stored)).Should().Be(1);
    }

    [Fact]
    public async Task OpenReadAsync_BlobCorruptedOnDisk_VerifyingReadThrowsTypedError()
    {
        var info = await _store.PutAsync("model.onnx", new MemoryStream(Encoding.UTF8.GetBytes(new string('x', 10_000))));
        var blob = BlobFiles().Single();
        await using (var tamper = new FileStream(blob, FileMode.Open, FileAccess.Write))
        {
            tamper.Position = 5000;
            tamper.WriteByte((byte)'y');
        }

        await using var read = await _store.OpenReadAsync("model.onnx", verify: true);
        var act = () => read.CopyToAsync(Stream.Null);

        var thrown = (await act.Should().ThrowAsync<ArtifactIntegrityException>()).Which;
        thrown.Path.Should().Be("model.onnx");
        thrown.ExpectedSha256.Should().Be(info.Sha256);
        thrown.ActualSha256.Should().Be(await ProcessRunner.Sha256SumAsync(blob));
        thrown.Should().BeAssignableTo<MLOpsException>();
    }

    [Fact]
    public async Task OpenReadAsync_BlobTruncated_VerifyingReadReportsLength()
    {
        await _store.PutAsync("model.onnx", new MemoryStream(new byte[4096]));
        File.WriteAllBytes(BlobFiles().Single(), new byte[100]);

        await using var read = await _store.OpenReadAsync("model.onnx", verify: true);
        var act = () => read.CopyToAsync(Stream.Null);

        (await act.Should().ThrowAsync<ArtifactIntegrityException>()).Which.ActualSha256.Should().Contain("100 bytes instead of 4096");
    }

    [Fact]
    public async Task OpenReadAsync_Missing_ThrowsNotFound()
    {
        var act = async () => await _store.OpenReadAsync("nothing/here.bin");

        (await act.Should().ThrowAsync<ArtifactNotFoundException>()).Which.Path.Should().Be("nothing/here.bin");
    }

    [Fact]
    public async Task PutAsync_HostilePath_ThrowsAndWritesNothing()
    {
        var act = async () => await _store.PutAsync("../escape.txt", new MemoryStream([1, 2, 3]));

        await act.Should().ThrowAsync<InvalidArtifactPathException>();
        File.Exists(Path.Combine(Path.GetDirectoryName(_root.Path)!, "escape.txt")).Should().BeFalse();
        Directory.EnumerateFiles(_root.Path, "*", SearchOption.AllDirectories).Should().BeEmpty();
    }

    [Fact]
    public async Task PutAsync_FileWhereFolderExists_ThrowsConflict()
    {
        await _store.PutAsync("a/b/c.txt", new MemoryStream([1]));

        var asFile = async () => await _store.PutAsync("a/b", new MemoryStream([2]));
        var under = async () => await _store.PutAsync("a/b/c.txt/d", new MemoryStream([3]));

        (await asFile.Should().ThrowAsync<ArtifactPathConflictException>()).Which.ConflictingPath.Should().Be("a/b/");
        (await under.Should().ThrowAsync<ArtifactPathConflictException>()).Which.ConflictingPath.Should().Be("a/b/c.txt");
        (await _store.ExistsAsync("a/b/c.txt")).Should().BeTrue();
    }

    [Fact]
    public async Task ListAsync_MixedNames_ReturnsOrdinalOrderUnderPrefix()
    {
        string[] paths = ["r/a0", "r/a/x", "r/a.txt", "r/a-b", "r/b", "other/z", "r/a/y/z"];
        foreach (var path in paths)
        {
            await _store.PutAsync(path, new MemoryStream(Encoding.UTF8.GetBytes(path)));
        }

        var listed = new List<string>();
        await foreach (var info in _store.ListAsync("r"))
        {
            listed.Add(info.Path);
        }

        listed.Should().Equal(paths.Where(p => p.StartsWith("r/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task DeleteAsync_ThenCollectGarbage_RemovesUnreferencedBlobOnly()
    {
        await _store.PutAsync("keep.bin", new MemoryStream([1, 2, 3]));
        await _store.PutAsync("drop/me.bin", new MemoryStream([4, 5, 6, 7]));
        await _store.PutAsync("drop/same-as-keep.bin", new MemoryStream([1, 2, 3]));

        (await _store.DeleteAsync("drop/me.bin")).Should().BeTrue();
        (await _store.DeleteAsync("drop/same-as-keep.bin")).Should().BeTrue();
        (await _store.DeleteAsync("drop/me.bin")).Should().BeFalse();
        _time.Advance(TimeSpan.FromDays(2));
        var report = await _store.CollectGarbageAsync(TimeSpan.FromDays(1));

        report.BlobsDeleted.Should().Be(1);
        report.BytesFreed.Should().Be(4);
        BlobFiles().Should().ContainSingle().Which.Should().EndWith(Convert.ToHexStringLower(SHA256.HashData(new byte[] { 1, 2, 3 })));
        Directory.Exists(Path.Combine(_root.Path, "refs", "drop")).Should().BeFalse();
    }

    [Fact]
    public async Task CollectGarbageAsync_RecentBlob_IsKeptForWritersInFlight()
    {
        await _store.PutAsync("x.bin", new MemoryStream([9]));
        await _store.DeleteAsync("x.bin");

        var report = await _store.CollectGarbageAsync(TimeSpan.FromHours(1));

        report.BlobsDeleted.Should().Be(0);
        BlobFiles().Should().ContainSingle();
    }

    [Fact]
    public async Task PutAsync_Cancelled_LeavesNothingVisible()
    {
        using var cts = new CancellationTokenSource();
        var content = new CallbackStream(totalBytes: 10 << 20, afterBytes: 1 << 20, onThreshold: cts.Cancel);

        var act = async () => await _store.PutAsync("cancelled.bin", content, cts.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        (await _store.ExistsAsync("cancelled.bin")).Should().BeFalse();
        BlobFiles().Should().BeEmpty();
        Directory.EnumerateFiles(Path.Combine(_root.Path, "tmp")).Should().BeEmpty();
    }

    private string[] BlobFiles() => Directory.GetFiles(Path.Combine(_root.Path, "blobs"), "*", SearchOption.AllDirectories);

    /// <summary>A stream of zeros that calls back once after a number of bytes.</summary>
    private sealed class CallbackStream(long totalBytes, long afterBytes, Action onThreshold) : Stream
    {
        private long _position;
        private bool _fired;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => totalBytes;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, totalBytes - _position);
            Array.Clear(buffer, offset, n);
            _position += n;
            if (!_fired && _position >= afterBytes)
            {
                _fired = true;
                onThreshold();
            }

            return n;
        }
    }
}
