using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.ML.OnnxRuntime;

namespace MLOps.Inference;

/// <summary>
/// Stacks concurrent requests to one <see cref="OnnxModel"/> into larger runs, with Triton's dynamic-batching
/// semantics, and hands every caller exactly its own rows back.
/// </summary>
/// <remarks>
/// <para>
/// A batch is formed when an instance (a worker) is free. Queued requests are taken by priority level, then in
/// arrival order, as long as their non-batch dimensions equal those of the first one taken (requests of another
/// shape wait for a batch of their own) and the rows fit in <see cref="DynamicBatcherOptions.MaxBatchSize"/>;
/// a request is never split. The batch is sent at once when it reaches a preferred size or the largest one;
/// otherwise it waits until the oldest request has waited <see cref="DynamicBatcherOptions.MaxQueueDelay"/>
/// (with no delay, what is queued goes at once).
/// </para>
/// <para>
/// Inputs are checked before queuing, so a bad request fails alone with <see cref="InvalidInferenceInputException"/>.
/// If ONNX Runtime fails a whole batch, each request is rerun alone so only the culprit fails. A full queue rejects
/// at once (<see cref="QueueFullException"/>); a request that outlives its queue timeout is removed
/// (<see cref="QueueTimeoutException"/>); cancelling a queued request removes it. Disposing stops new requests and
/// runs what is queued before it returns. All members are thread-safe.
/// </para>
/// </remarks>
public sealed class DynamicBatcher : IAsyncDisposable
{
    private readonly OnnxModel _model;
    private readonly TimeProvider _timeProvider;
    private readonly int _maxBatchSize;
    private readonly int[] _preferred;
    private readonly int _maxPreferred;
    private readonly long _delayTicks;
    private readonly int _maxQueueSize;
    private readonly TimeSpan? _defaultTimeout;
    private readonly int _defaultPriority;
    private readonly LinkedList<Pending>[] _queues;
    private readonly Lock _gate = new();
    private readonly Task[] _workers;
    private readonly InferenceMetrics _metrics;
    private TaskCompletionSource _arrival = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _arrivalAwaited;
    private int _queued;
    private bool _stopping;
    private long _requests;
    private long _rows;
    private long _executions;
    private long _rejected;
    private long _timedOut;

    /// <summary>Creates a batcher in front of a loaded model and starts its workers.</summary>
    /// <param name="model">The model; the batcher does not own or dispose it.</param>
    /// <param name="options">Batching options; defaults when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for delays and timeouts; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="meterFactory">Creates the <c>MLOps.Inference</c> meter; a private meter when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public DynamicBatcher(OnnxModel model, DynamicBatcherOptions? options = null, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new DynamicBatcherOptions();
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }

        _model = model;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _maxBatchSize = model.CanBatch ? options.MaxBatchSize : 1;
        _preferred = options.PreferredBatchSizes.Count == 0 ? [_maxBatchSize] : [.. options.PreferredBatchSizes.Where(s => s <= _maxBatchSize).Distinct().Order()];
        if (_preferred.Length == 0)
        {
            _preferred = [_maxBatchSize];
        }

        _maxPreferred = _preferred[^1];
        _delayTicks = (long)(options.MaxQueueDelay.TotalSeconds * _timeProvider.TimestampFrequency);
        _maxQueueSize = options.MaxQueueSize;
        _defaultTimeout = options.DefaultQueueTimeout;
        _defaultPriority = options.DefaultPriorityLevel;
        _queues = new LinkedList<Pending>[options.PriorityLevels];
        for (var i = 0; i < _queues.Length; i++)
        {
            _queues[i] = new LinkedList<Pending>();
        }

        _metrics = new InferenceMetrics(meterFactory, model.Name, model.Version, () => Volatile.Read(ref _queued));
        _workers = new Task[options.InstanceCount];
        for (var i = 0; i < _workers.Length; i++)
        {
            _workers[i] = Task.Run(WorkerLoopAsync);
        }
    }

    /// <summary>
    /// For tests: called by a worker once it is parked, with the queue depth it saw and whether a delay timer runs.
    /// </summary>
    internal Action<int, bool>? ParkedHook { get; set; }

    /// <summary>Gets the model behind the batcher.</summary>
    public OnnxModel Model => _model;

    /// <summary>Gets the number of requests waiting.</summary>
    public int QueueDepth => Volatile.Read(ref _queued);

    /// <summary>Gets counters since the batcher started: requests, rows, runs, rejections and timeouts.</summary>
    public BatcherStatistics Statistics => new(
        Interlocked.Read(ref _requests),
        Interlocked.Read(ref _rows),
        Interlocked.Read(ref _executions),
        Interlocked.Read(ref _rejected),
        Interlocked.Read(ref _timedOut));

    /// <summary>Queues a request and completes when its batch has run.</summary>
    /// <param name="request">The inputs; the first dimension of each is its rows.</param>
    /// <param name="priority">The priority level (1 is served first); 0 for the default level.</param>
    /// <param name="queueTimeout">How long the request may wait in the queue; <see langword="null"/> for the default.</param>
    /// <param name="cancellationToken">Removes the request if it is still queued, or stops waiting for it if it runs.</param>
    /// <returns>This request's outputs.</returns>
    /// <exception cref="InvalidInferenceInputException">An input does not match the model, or the request has more rows than <see cref="DynamicBatcherOptions.MaxBatchSize"/>.</exception>
    /// <exception cref="QueueFullException">The queue is full.</exception>
    /// <exception cref="QueueTimeoutException">The request waited longer than its queue timeout.</exception>
    /// <exception cref="InferenceFailedException">ONNX Runtime failed on this request.</exception>
    /// <exception cref="ObjectDisposedException">The batcher is disposed.</exception>
    public ValueTask<InferenceResult> InferAsync(InferenceRequest request, int priority = 0, TimeSpan? queueTimeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfNegative(priority);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(priority, _queues.Length);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<InferenceResult>(cancellationToken);
        }

        try
        {
            _model.Validate(request);
        }
        catch (InvalidInferenceInputException)
        {
            _metrics.Rejected("invalid");
            throw;
        }

        var rows = request.Rows;
        if (rows > _maxBatchSize)
        {
            _metrics.Rejected("invalid");
            var input = _model.Inputs[0];
            throw new InvalidInferenceInputException(_model.Name, input.Name, input.ToString(), $"the request has {rows} rows, more than MaxBatchSize ({_maxBatchSize}); split it or raise MaxBatchSize.");
        }

        var pending = new Pending(this, request, rows, (priority == 0 ? _defaultPriority : priority) - 1, _timeProvider.GetTimestamp());
        var timeout = queueTimeout ?? _defaultTimeout;
        if (timeout is { } t && t > TimeSpan.Zero)
        {
            // Created before queuing, so a worker that takes the request at once always finds it to dispose.
            pending.Timeout = t;
            pending.TimeoutSource = new CancellationTokenSource(t, _timeProvider);
        }

        lock (_gate)
        {
            if (_stopping || _queued >= _maxQueueSize)
            {
                pending.DisposeTimeout();
                ObjectDisposedException.ThrowIf(_stopping, this);
                Interlocked.Increment(ref _rejected);
                _metrics.Rejected("queue_full");
                throw new QueueFullException(_model.Name, _maxQueueSize);
            }

            pending.Node = _queues[pending.Level].AddLast(pending);
            _queued++;
            WakeWorkers();
        }

        Interlocked.Increment(ref _requests);
        pending.WatchTimeout();

        if (cancellationToken.CanBeCanceled)
        {
            pending.CancelRegistration = cancellationToken.UnsafeRegister(static (s, token) => ((Pending)s!).Cancel(token), pending);
        }

        return new ValueTask<InferenceResult>(pending.Task);
    }

    /// <summary>Stops accepting requests, runs every queued one, and waits for the workers to finish.</summary>
    /// <returns>A task that completes when the queue is drained.</returns>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
            _arrival.TrySetResult();
        }

        await Task.WhenAll(_workers).ConfigureAwait(false);
        _metrics.Dispose();
    }

    private async Task WorkerLoopAsync()
    {
        using var runOptions = new RunOptions();
        var batch = new List<Pending>(_maxBatchSize);
        while (true)
        {
            Task arrival;
            var wait = Timeout.InfiniteTimeSpan;
            int seen;
            lock (_gate)
            {
                seen = _queued;
                if (_queued == 0)
                {
                    if (_stopping)
                    {
                        return;
                    }
                }
                else
                {
                    wait = FormBatch(batch);
                    if (batch.Count > 0 && _queued > 0)
                    {
                        WakeWorkers(); // another free instance can take what this batch left
                    }
                }

                if (batch.Count == 0)
                {
                    _arrivalAwaited = true;
                }

                arrival = _arrival.Task;
            }

            if (batch.Count > 0)
            {
                Execute(batch, runOptions);
                batch.Clear();
                continue;
            }

            if (wait == Timeout.InfiniteTimeSpan)
            {
                ParkedHook?.Invoke(seen, false);
                await arrival.ConfigureAwait(false);
                continue;
            }

            using var delay = new CancellationTokenSource();
            var timer = Task.Delay(wait, _timeProvider, delay.Token);
            ParkedHook?.Invoke(seen, true);
            await Task.WhenAny(arrival, timer).ConfigureAwait(false);
            await delay.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Under the lock: wakes the workers that wait for an arrival.</summary>
    private void WakeWorkers()
    {
        if (_arrivalAwaited)
        {
            _arrivalAwaited = false;
            var arrival = _arrival;
            _arrival = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            arrival.TrySetResult();
        }
    }

    /// <summary>
    /// Under the lock: takes the next batch into <paramref name="batch"/>, or leaves it empty and returns how long to
    /// wait for the delay to expire. Triton's GetDynamicBatch, with requests of other shapes skipped, not blocking.
    /// </summary>
    private TimeSpan FormBatch(List<Pending> batch)
    {
        Pending? first = null;
        var rows = 0;
        var bestCount = 0;
        var sendNow = _stopping;
        var oldest = long.MaxValue;
        foreach (var queue in _queues)
        {
            for (var node = queue.First; node is not null; node = node.Next)
            {
                var p = node.Value;
                if (first is null)
                {
                    first = p;
                }
                else if (!_model.CanBatch || !SameShape(first.Request, p.Request))
                {
                    continue;
                }

                if (rows + p.Rows > _maxBatchSize)
                {
                    sendNow = true;
                    goto Decide;
                }

                batch.Add(p);
                rows += p.Rows;
                oldest = Math.Min(oldest, p.EnqueuedAt);
                if (Array.IndexOf(_preferred, rows) >= 0)
                {
                    bestCount = batch.Count;
                }

                if (rows >= _maxPreferred || !_model.CanBatch)
                {
                    sendNow = true;
                    goto Decide;
                }
            }
        }

    Decide:
        // Triton's order: a preferred size goes at once unless the delay has expired; then a full or forced batch;
        // then, with no delay or an expired one, whatever is pending; otherwise wait for the delay.
        var age = _timeProvider.GetTimestamp() - oldest;
        var delayExceeded = _delayTicks != 0 && age >= _delayTicks;
        if (bestCount > 0 && !delayExceeded)
        {
            batch.RemoveRange(bestCount, batch.Count - bestCount);
        }
        else if (!(sendNow || rows >= _maxPreferred || delayExceeded || _delayTicks == 0))
        {
            batch.Clear();
            // From the same reading as the decision: a second reading could already be past the delay (negative).
            return TimeSpan.FromSeconds((double)(_delayTicks - age) / _timeProvider.TimestampFrequency);
        }

        foreach (var p in batch)
        {
            p.Node!.List!.Remove(p.Node);
            p.Node = null;
        }

        _queued -= batch.Count;
        return Timeout.InfiniteTimeSpan;
    }

    private void Execute(List<Pending> batch, RunOptions runOptions)
    {
        var count = batch.Count;
        var requests = new InferenceRequest[count];
        var queueTimes = new TimeSpan[count];
        var results = new InferenceResult[count];
        var rows = 0;
        var started = _timeProvider.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            requests[i] = batch[i].Request;
            queueTimes[i] = _timeProvider.GetElapsedTime(batch[i].EnqueuedAt, started);
            rows += batch[i].Rows;
            batch[i].DisposeTimeout();
        }

        Interlocked.Increment(ref _executions);
        Interlocked.Add(ref _rows, rows);
        _metrics.Batch(rows);
        var completion = new Completion(this, [.. batch], results, new Exception?[count], queueTimes);
        try
        {
            _model.RunBatch(requests, rows, runOptions, results, queueTimes);
        }
        catch (Exception batchError) when (count > 1)
        {
            // Rerun each request alone so only the one that fails by itself sees an error.
            _ = batchError;
            for (var i = 0; i < count; i++)
            {
                try
                {
                    _model.RunBatch(requests.AsSpan(i, 1), batch[i].Rows, runOptions, results.AsSpan(i, 1), queueTimes.AsSpan(i, 1));
                }
                catch (Exception ex)
                {
                    completion.Errors[i] = new InferenceFailedException(_model.Name, ex);
                }
            }
        }
        catch (Exception ex)
        {
            completion.Errors[0] = new InferenceFailedException(_model.Name, ex);
        }

        // Callers' continuations run on one thread-pool item per batch, never on this worker: the worker goes
        // straight back to forming the next batch, and the callers' next requests arrive together.
        ThreadPool.UnsafeQueueUserWorkItem(completion, preferLocal: false);
    }

    /// <summary>Completes one batch's requests, running their continuations inline on a thread-pool thread.</summary>
    private sealed class Completion(DynamicBatcher owner, Pending[] pending, InferenceResult[] results, Exception?[] errors, TimeSpan[] queueTimes) : IThreadPoolWorkItem
    {
        public Exception?[] Errors { get; } = errors;

        public void Execute()
        {
            for (var i = 0; i < pending.Length; i++)
            {
                var p = pending[i];
                p.CancelRegistration.Dispose();
                var error = Errors[i];
                owner._metrics.Request(queueTimes[i], owner._timeProvider.GetElapsedTime(p.EnqueuedAt), error is null);
                if (error is null)
                {
                    p.TrySetResult(results[i]);
                }
                else
                {
                    p.TrySetException(error);
                }
            }
        }
    }

    private static bool SameShape(InferenceRequest a, InferenceRequest b)
    {
        var inputs = a.Inputs;
        for (var i = 0; i < inputs.Count; i++)
        {
            var shapeA = inputs[i].Value.Shape;
            var shapeB = b.Find(inputs[i].Key)!.Shape;
            for (var d = 1; d < shapeA.Count; d++)
            {
                if (shapeA[d] != shapeB[d])
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Removes a request that is still queued; returns whether it was.</summary>
    private bool TryDequeue(Pending pending)
    {
        lock (_gate)
        {
            if (pending.Node is null)
            {
                return false;
            }

            pending.Node.List!.Remove(pending.Node);
            pending.Node = null;
            _queued--;
            return true;
        }
    }

    /// <summary>One queued request: its own completion source, queue node and timers.</summary>
    private sealed class Pending : TaskCompletionSource<InferenceResult>
    {
        private readonly DynamicBatcher _owner;

        // Continuations run synchronously where the request completes: on the batch's completion work item,
        // never on a worker (see Completion).
        public Pending(DynamicBatcher owner, InferenceRequest request, int rows, int level, long enqueuedAt)
            : base(TaskCreationOptions.None)
        {
            _owner = owner;
            Request = request;
            Rows = rows;
            Level = level;
            EnqueuedAt = enqueuedAt;
        }

        public InferenceRequest Request { get; }

        public int Rows { get; }

        public int Level { get; }

        public long EnqueuedAt { get; }

        public LinkedListNode<Pending>? Node { get; set; }

        public TimeSpan Timeout { get; set; }

        public CancellationTokenSource? TimeoutSource { get; set; }

        public CancellationTokenRegistration TimeoutRegistration { get; set; }

        public CancellationTokenRegistration CancelRegistration { get; set; }

        public void WatchTimeout()
        {
            lock (this)
            {
                if (TimeoutSource is { } source)
                {
                    TimeoutRegistration = source.Token.UnsafeRegister(static s => ((Pending)s!).Expire(), this);
                }
            }
        }

        public void Expire()
        {
            if (_owner.TryDequeue(this))
            {
                Interlocked.Increment(ref _owner._timedOut);
                _owner._metrics.Rejected("timeout");
                CancelRegistration.Dispose();
                TrySetException(new QueueTimeoutException(_owner._model.Name, Timeout));
            }
        }

        public void Cancel(CancellationToken token)
        {
            _owner.TryDequeue(this);
            DisposeTimeout();
            TrySetCanceled(token); // a running request's result is discarded
        }

        public void DisposeTimeout()
        {
            lock (this)
            {
                if (TimeoutSource is { } source)
                {
                    TimeoutRegistration.Dispose();
                    source.Dispose();
                    TimeoutSource = null;
                }
            }
        }
    }
}

/// <summary>Counters of a <see cref="DynamicBatcher"/> since it started.</summary>
/// <param name="Requests">Requests accepted into the queue.</param>
/// <param name="Rows">Rows run (Triton's inference count).</param>
/// <param name="Executions">Runs of the model (Triton's execution count); average batch = Rows / Executions.</param>
/// <param name="Rejected">Requests rejected because the queue was full.</param>
/// <param name="TimedOut">Requests removed after their queue timeout.</param>
public readonly record struct BatcherStatistics(long Requests, long Rows, long Executions, long Rejected, long TimedOut);
