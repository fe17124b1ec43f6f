using System.Diagnostics.Metrics;

namespace MLOps.Inference.Hosting;

/// <summary>
/// One loaded version: its model and batcher, with a lease count so a swap can retire it only after every
/// request that took it has finished.
/// </summary>
internal sealed class ModelSlot
{
    private const int Retired = 1 << 30;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _state;

    public ModelSlot(OnnxModel model, DynamicBatcherOptions batching, TimeProvider timeProvider, IMeterFactory? meterFactory)
    {
        Model = model;
        Batcher = new DynamicBatcher(model, batching, timeProvider, meterFactory);
    }

    public OnnxModel Model { get; }

    public DynamicBatcher Batcher { get; }

    public string Version => Model.Version;

    /// <summary>Takes a lease, unless the slot is being retired.</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            var state = Volatile.Read(ref _state);
            if ((state & Retired) != 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _state, state + 1, state) == state)
            {
                return true;
            }
        }
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _state) == Retired)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>Refuses new leases, waits for the held ones, then drains the batcher and frees the session.</summary>
    public async Task RetireAsync()
    {
        var before = Interlocked.Or(ref _state, Retired);
        if ((before & Retired) != 0)
        {
            await _drained.Task.ConfigureAwait(false);
            return;
        }

        if (before == 0)
        {
            _drained.TrySetResult();
        }

        await _drained.Task.ConfigureAwait(false);
        await Batcher.DisposeAsync().ConfigureAwait(false);
        Model.Dispose();
    }
}
