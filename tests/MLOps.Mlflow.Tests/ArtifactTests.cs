using System.Security.Cryptography;
using MLOps.Artifacts;

namespace MLOps.Mlflow.Tests;

/// <summary>MlflowArtifactStore over the mlflow-artifacts proxy.</summary>
public sealed class ArtifactTests
{
    [Fact]
    public async Task PutOpenListDelete_RoundTrip()
    {
        await using var h = new Harness();
        IArtifactStore store = new MlflowArtifactStore(h.Client, "exp1");

        var info = await store.PutAsync("runs/r1/model.bin", new MemoryStream([1, 2, 3, 4]));
        await store.PutAsync("runs/r1/sub/metrics.json", new MemoryStream("{}"u8.ToArray()));
        await store.PutAsync("runs/r2/x.txt", new MemoryStream([9]));

        info.Sha256.Should().Be(Convert.ToHexStringLower(SHA256.HashData(new byte[] { 1, 2, 3, 4 })));
        info.Length.Should().Be(4);
        h.Server.ArtifactBytes("exp1/runs/r1/model.bin").Should().Equal(1, 2, 3, 4);
        await using (var s = await store.OpenReadAsync("runs/r1/model.bin"))
        {
            var ms = new MemoryStream();
            await s.CopyToAsync(ms);
            ms.ToArray().Should().Equal(1, 2, 3, 4);
        }

        var listed = new List<string>();
        await foreach (var a in store.ListAsync("runs/r1"))
        {
            listed.Add(a.Path);
        }

        listed.Should().Equal("runs/r1/model.bin", "runs/r1/sub/metrics.json");
        (await store.GetInfoAsync("runs/r1/model.bin"))!.Length.Should().Be(4);
        (await store.ExistsAsync("runs/r1/none")).Should().BeFalse();
        (await store.DeleteAsync("runs/r1/model.bin")).Should().BeTrue();
        (await store.DeleteAsync("runs/r1/model.bin")).Should().BeFalse();
        var missing = () => store.OpenReadAsync("runs/r1/model.bin").AsTask();
        await missing.Should().ThrowAsync<ArtifactNotFoundException>();
        var verify = () => store.OpenReadAsync("runs/r2/x.txt", verify: true).AsTask();
        await verify.Should().ThrowAsync<MlflowNotSupportedException>();
    }

    [Fact]
    public async Task Put_64MBNonSeekableStream_StreamedNotBuffered()
    {
        await using var h = new Harness();
        var store = new MlflowArtifactStore(h.Client);
        const long Size = 64L * 1024 * 1024;
        long seenByServerAtHalf = -1;
        using var source = new PatternStream(Size, () => seenByServerAtHalf = h.Server.UploadBytesSoFar());

        var info = await store.PutAsync("big/blob.bin", source);

        info.Length.Should().Be(Size);
        info.Sha256.Should().Be(PatternStream.Sha256Of(Size));
        // A client that buffered the whole file would send nothing before reading all of it.
        seenByServerAtHalf.Should().BeGreaterThan(0, "the server was receiving bytes while the client was still reading the source");
        await using var back = await store.OpenReadAsync("big/blob.bin");
        var hash = await SHA256.HashDataAsync(back);
        Convert.ToHexStringLower(hash).Should().Be(info.Sha256);
    }

    [Theory]
    [InlineData("mlflow-artifacts:/0/abc/artifacts", "http://mlflow:5000/", "http://mlflow:5000/api/2.0/mlflow-artifacts/artifacts/0/abc/artifacts")]
    [InlineData("mlflow-artifacts:/0/abc/artifacts", "https://host/prefix", "https://host/prefix/api/2.0/mlflow-artifacts/artifacts/0/abc/artifacts")]
    [InlineData("mlflow-artifacts://other:4242/p/q", "http://mlflow:5000", "http://other:4242/api/2.0/mlflow-artifacts/artifacts/p/q")]
    public void ResolveMlflowArtifactsUri_AsMlflowsTestTable(string artifactUri, string tracking, string expected) =>
        MlflowArtifactStore.ResolveMlflowArtifactsUri(new Uri(artifactUri), new Uri(tracking)).ToString().Should().Be(expected);

    /// <summary>A non-seekable stream of a known byte pattern, generated on the fly.</summary>
    private sealed class PatternStream(long length, Action? atHalf = null) : Stream
    {
        private long _position;
        private bool _half;

        public static string Sha256Of(long length)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[81920];
            for (long p = 0; p < length; p += buffer.Length)
            {
                var n = (int)Math.Min(buffer.Length, length - p);
                Fill(buffer.AsSpan(0, n), p);
                hash.AppendData(buffer, 0, n);
            }

            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }

        private static void Fill(Span<byte> span, long offset)
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (byte)((offset + i) * 31 % 251);
            }
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (!_half && _position >= length / 2)
            {
                _half = true;
                atHalf?.Invoke();
            }

            var n = (int)Math.Min(buffer.Length, length - _position);
            Fill(buffer[..n], _position);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
