// Usage: MLOps.Core.CrashWriter <store root> <logical path> <bytes before hanging>
// Streams pseudo-random bytes into LocalArtifactStore.PutAsync; after the given number of bytes it prints
// "HANGING" and waits forever inside the put, so the parent can kill it with SIGKILL mid-write.
using MLOps.Artifacts;

var store = new LocalArtifactStore(args[0]);
var hangAfter = long.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
await store.PutAsync(args[1], new HangingStream(hangAfter));
Console.WriteLine("FINISHED"); // never reached when the parent kills us
return 1;

internal sealed class HangingStream(long hangAfter) : Stream
{
    private readonly Random _random = new(1234);
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= hangAfter)
        {
            Console.WriteLine("HANGING");
            await Console.Out.FlushAsync(cancellationToken);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        var n = (int)Math.Min(buffer.Length, hangAfter - _position);
        _random.NextBytes(buffer.Span[..n]);
        _position += n;
        return n;
    }
}
