using System.Threading.Channels;

namespace MLOps.Inference.Tests;

/// <summary>
/// Watches a batcher's workers park, so a test advances fake time only once a worker waits on its timer
/// (advancing earlier would let a worker start a timer after the advance, which would never fire).
/// </summary>
internal sealed class ParkWatcher
{
    private readonly Channel<(int Seen, bool Timer)> _events = Channel.CreateUnbounded<(int, bool)>();

    public ParkWatcher(DynamicBatcher batcher) => batcher.ParkedHook = (seen, timer) => _events.Writer.TryWrite((seen, timer));

    /// <summary>Waits for the next park with a running delay timer after seeing <paramref name="queued"/> requests.</summary>
    public async Task ParkedOnTimerAsync(int queued)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var (seen, timer) = await _events.Reader.ReadAsync(bound.Token);
            if (seen == queued && timer)
            {
                return;
            }
        }
    }
}
