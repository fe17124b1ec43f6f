using System.Security.Cryptography;

namespace MLOps.Artifacts;

/// <summary>
/// A forward-only stream that hashes what it reads and, at the end of the content, throws
/// <see cref="ArtifactIntegrityException"/> when the bytes differ from the recorded digest or length.
/// </summary>
internal sealed class VerifyingReadStream : Stream
{
    private readonly Stream _inner;
    private readonly ArtifactInfo _expected;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _read;
    private bool _verified;

    public VerifyingReadStream(Stream inner, ArtifactInfo expected)
    {
        _inner = inner;
        _expected = expected;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _expected.Length;

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException("A verifying artifact stream reads forward only; open it without verification to seek.");
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = _inner.Read(buffer);
        return Account(buffer[..read]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Account(buffer.Span[..read]);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) =>
        throw new NotSupportedException("A verifying artifact stream reads forward only; open it without verification to seek.");

    public override void SetLength(long value) => throw new NotSupportedException("Artifact streams are read-only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Artifact streams are read-only.");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        _hash.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private int Account(ReadOnlySpan<byte> chunk)
    {
        if (chunk.Length > 0)
        {
            _hash.AppendData(chunk);
            _read += chunk.Length;
            return chunk.Length;
        }

        if (!_verified)
        {
            _verified = true;
            var actual = Convert.ToHexStringLower(_hash.GetHashAndReset());
            if (_read != _expected.Length || actual != _expected.Sha256)
            {
                throw new ArtifactIntegrityException(_expected.Path, _expected.Sha256, _read == _expected.Length ? actual : $"{actual} over {_read} bytes instead of {_expected.Length}");
            }
        }

        return 0;
    }
}
