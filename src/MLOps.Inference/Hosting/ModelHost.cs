using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MLOps.Artifacts;

namespace MLOps.Inference.Hosting;

/// <summary>
/// Serves one named model across versions: hot-swap without failed requests, instant rollback, a fallback chain,
/// canary and shadow traffic.
/// </summary>
/// <remarks>
/// <para>
/// <b>Hot-swap.</b> <see cref="DeployAsync"/> loads and warms the new version while the current one serves, then
/// switches atomically: every request is answered by exactly one version. The replaced version stays loaded as the
/// previous version (see <see cref="ModelHostOptions.KeepPreviousVersion"/>); the one it displaces is retired once
/// the requests that hold it have finished. A version that fails to load or verify changes nothing.
/// </para>
/// <para>
/// <b>Fallback chain.</b> When the routed version fails a request (ONNX Runtime error, timeout, full queue) or the
/// host is degraded by an external signal (<see cref="Degrade"/>), the previous version answers; failing that, the
/// rule-based function; failing that, a graceful "no answer". <see cref="HostedResult"/> says who answered and why.
/// Invalid input is the caller's error and is thrown, never hidden by a fallback.
/// </para>
/// <para>
/// <b>Candidates.</b> <see cref="StartCanaryAsync"/> sends a share of traffic to a candidate, sticky by routing key;
/// <see cref="StartShadowAsync"/> mirrors traffic to it and compares outputs without returning them.
/// </para>
/// <para>All members are thread-safe; deployments, rollbacks and candidate changes are serialised.</para>
/// </remarks>
public sealed partial class ModelHost : IAsyncDisposable
{
    private const int Buckets = 10_000;
    private readonly ModelHostOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly IMeterFactory? _meterFactory;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _changes = new(1, 1);
    private readonly Counter<long> _fallbacks;
    private readonly Counter<long> _swaps;
    private readonly Meter? _ownedMeter;
    private ModelSlot? _active;
    private ModelSlot? _previous;
    private ModelSlot? _candidate;
    private int _canaryBuckets;
    private bool _shadow;
    private string? _degradedReason;
    private long _roundRobin;
    private int _shadowInFlight;
    private long _shadowCompared;
    private long _shadowMismatched;
    private long _shadowFailed;
    private long _shadowSkipped;
    private double _shadowMaxDifference;
    private bool _disposed;

    /// <summary>Creates an empty host; call <see cref="DeployAsync"/> to load the first version.</summary>
    /// <param name="name">The model name used in results, logs and metrics.</param>
    /// <param name="options">Options; defaults when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for timeouts and batching; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="meterFactory">Creates the <c>MLOps.Inference</c> meter; a private meter when <see langword="null"/>.</param>
    /// <param name="logger">Receives swaps, rollbacks, load failures and the CUDA fallback reason.</param>
    public ModelHost(string name, ModelHostOptions? options = null, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        _options = options ?? new ModelHostOptions();
        var problems = _options.Batching.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }

        _timeProvider = timeProvider ?? TimeProvider.System;
        _meterFactory = meterFactory;
        _logger = logger ?? NullLogger.Instance;
        var meter = meterFactory?.Create(InferenceMetrics.MeterName) ?? (_ownedMeter = new Meter(InferenceMetrics.MeterName));
        _fallbacks = meter.CreateCounter<long>("mlops.inference.fallbacks", "{request}", "Requests answered by a fallback (tags: served_by, reason).");
        _swaps = meter.CreateCounter<long>("mlops.inference.swaps", "{swap}", "Version changes: deployments and rollbacks (tag: kind).");
    }

    /// <summary>Gets the model name.</summary>
    public string Name { get; }

    /// <summary>Gets the version that serves traffic, or <see langword="null"/> before the first deployment.</summary>
    public string? ActiveVersion => Volatile.Read(ref _active)?.Version;

    /// <summary>Gets the version kept loaded as the first fallback, or <see langword="null"/>.</summary>
    public string? PreviousVersion => Volatile.Read(ref _previous)?.Version;

    /// <summary>Gets the canary or shadow candidate's version, or <see langword="null"/>.</summary>
    public string? CandidateVersion => Volatile.Read(ref _candidate)?.Version;

    /// <summary>Gets why the host is degraded, or <see langword="null"/> when the active version serves.</summary>
    public string? DegradedReason => Volatile.Read(ref _degradedReason);

    /// <summary>Gets how the shadow candidate compares with the active version so far.</summary>
    public ShadowStatistics Shadow => new(
        Interlocked.Read(ref _shadowCompared), Interlocked.Read(ref _shadowMismatched), Interlocked.Read(ref _shadowFailed),
        Interlocked.Read(ref _shadowSkipped), Volatile.Read(ref _shadowMaxDifference));

    /// <summary>
    /// Loads, verifies and warms up a version, then makes it the active one atomically. Requests in flight finish on
    /// the version they started on.
    /// </summary>
    /// <param name="source">The version to deploy.</param>
    /// <param name="cancellationToken">Cancels the load; nothing changes.</param>
    /// <returns>A task that completes once the new version serves (and a displaced version is retired).</returns>
    /// <exception cref="ModelDeploymentException">The version cannot be read, verified or loaded; the host keeps serving what it served.</exception>
    public async Task DeployAsync(ModelSource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var slot = await LoadAsync(source, cancellationToken).ConfigureAwait(false);
        ModelSlot? retire;
        await _changes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfDisposed(slot);
            var replaced = Interlocked.Exchange(ref _active, slot);
            if (_options.KeepPreviousVersion)
            {
                retire = Interlocked.Exchange(ref _previous, replaced);
            }
            else
            {
                retire = replaced;
            }
        }
        finally
        {
            _changes.Release();
        }

        _swaps.Add(1, new KeyValuePair<string, object?>("kind", "deploy"), new KeyValuePair<string, object?>("mlops.model.name", Name));
        LogDeployed(_logger, Name, slot.Version, source.Description);
        if (retire is not null)
        {
            await retire.RetireAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Makes the previous version active again, and the active one previous. Both stay loaded, so it takes microseconds.</summary>
    /// <param name="cancellationToken">Cancels waiting for another change to finish.</param>
    /// <returns><see langword="true"/> when the host rolled back; <see langword="false"/> when no previous version is loaded.</returns>
    public async Task<bool> RollbackAsync(CancellationToken cancellationToken = default)
    {
        await _changes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var previous = Volatile.Read(ref _previous);
            if (previous is null || _disposed)
            {
                return false;
            }

            var active = Interlocked.Exchange(ref _active, previous);
            Volatile.Write(ref _previous, active);
            _swaps.Add(1, new KeyValuePair<string, object?>("kind", "rollback"), new KeyValuePair<string, object?>("mlops.model.name", Name));
            LogRolledBack(_logger, Name, active?.Version ?? "none", previous.Version);
            return true;
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>Deploys each version a feed yields (for example a registry alias's change feed) until it ends or is cancelled.</summary>
    /// <param name="versions">The versions, in the order they should serve.</param>
    /// <param name="cancellationToken">Stops following.</param>
    /// <returns>A task that completes when the feed ends. Versions that fail to deploy are logged and skipped.</returns>
    public async Task FollowAsync(IAsyncEnumerable<ModelSource> versions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(versions);
        await foreach (var source in versions.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await DeployAsync(source, cancellationToken).ConfigureAwait(false);
            }
            catch (ModelDeploymentException ex)
            {
                LogDeployFailed(_logger, ex, Name, source.Version, ex.Kind);
            }
        }
    }

    /// <summary>Loads a candidate and sends it a share of traffic, sticky by routing key.</summary>
    /// <param name="candidate">The candidate version.</param>
    /// <param name="fraction">The share of traffic, from 0 to 1 (resolution 1/10,000).</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>A task that completes once the candidate serves its share.</returns>
    /// <exception cref="ModelDeploymentException">The candidate cannot be loaded; nothing changes.</exception>
    public Task StartCanaryAsync(ModelSource candidate, double fraction, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fraction, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fraction, 1.0);
        return SetCandidateAsync(candidate, (int)Math.Round(fraction * Buckets), shadow: false, cancellationToken);
    }

    /// <summary>Loads a candidate and mirrors every request to it, comparing outputs (see <see cref="Shadow"/>); callers only ever see the active version's answers.</summary>
    /// <param name="candidate">The candidate version.</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>A task that completes once mirroring has started.</returns>
    /// <exception cref="ModelDeploymentException">The candidate cannot be loaded; nothing changes.</exception>
    public Task StartShadowAsync(ModelSource candidate, CancellationToken cancellationToken = default) =>
        SetCandidateAsync(candidate, 0, shadow: true, cancellationToken);

    /// <summary>Stops canary or shadow traffic and unloads the candidate.</summary>
    /// <returns>A task that completes once the candidate is retired.</returns>
    public async Task StopCandidateAsync()
    {
        ModelSlot? retired;
        await _changes.WaitAsync().ConfigureAwait(false);
        try
        {
            retired = Interlocked.Exchange(ref _candidate, null);
            Volatile.Write(ref _canaryBuckets, 0);
            Volatile.Write(ref _shadow, false);
        }
        finally
        {
            _changes.Release();
        }

        if (retired is not null)
        {
            await retired.RetireAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops serving from the active version (e.g. on a CRITICAL drift alert): requests go down the fallback chain until <see cref="Recover"/>.</summary>
    /// <param name="reason">Why, reported with every fallback answer.</param>
    public void Degrade(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        Volatile.Write(ref _degradedReason, reason);
        LogDegraded(_logger, Name, reason);
    }

    /// <summary>Serves from the active version again after <see cref="Degrade"/>.</summary>
    public void Recover() => Volatile.Write(ref _degradedReason, null);

    /// <summary>Answers a request through the routed version, or the fallback chain.</summary>
    /// <param name="request">The inputs.</param>
    /// <param name="routingKey">Keeps a caller on the same side of a canary split (a user or entity id); optional.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The answer and who gave it.</returns>
    /// <exception cref="InvalidInferenceInputException">The input does not match the model (never hidden by a fallback).</exception>
    /// <exception cref="ObjectDisposedException">The host is disposed.</exception>
    public async ValueTask<HostedResult> InferAsync(InferenceRequest request, string? routingKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);

        var degraded = Volatile.Read(ref _degradedReason);
        FallbackReason reason;
        string? detail;
        ModelSlot? failed = null;
        if (degraded is not null)
        {
            (reason, detail) = (FallbackReason.ExternalSignal, degraded);
        }
        else
        {
            var candidate = Volatile.Read(ref _candidate);
            var useCanary = candidate is not null && !Volatile.Read(ref _shadow) && Bucket(routingKey) < Volatile.Read(ref _canaryBuckets);
            var (slot, attempt) = await TryServeAsync(useCanary ? Role.Candidate : Role.Active, request, cancellationToken).ConfigureAwait(false);
            if (attempt.Result is not null)
            {
                if (!useCanary && Volatile.Read(ref _shadow))
                {
                    Mirror(request, attempt.Result);
                }

                return attempt with { ServedBy = useCanary ? ServedBy.Canary : ServedBy.Active };
            }

            (reason, detail, failed) = (attempt.Reason, attempt.Detail, slot);
            if (useCanary)
            {
                // A failing candidate hands its request to the active version before the fallback chain.
                var (_, active) = await TryServeAsync(Role.Active, request, cancellationToken).ConfigureAwait(false);
                if (active.Result is not null)
                {
                    return Fallback(active.Result, ServedBy.Active, active.Version, reason, detail);
                }
            }
        }

        // The fallback chain: previous version, rule-based answer, no answer.
        var previous = Volatile.Read(ref _previous);
        if (previous is not null && previous != failed)
        {
            var (_, second) = await TryServeAsync(Role.Previous, request, cancellationToken).ConfigureAwait(false);
            if (second.Result is not null)
            {
                return Fallback(second.Result, ServedBy.PreviousVersion, second.Result.ModelVersion, reason, detail);
            }
        }

        if (_options.RuleBasedFallback?.Invoke(request) is { } ruled)
        {
            return Fallback(ruled, ServedBy.RuleBased, null, reason, detail);
        }

        return Fallback(null, ServedBy.NoAnswer, null, reason, detail);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        ModelSlot?[] slots;
        await _changes.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            Volatile.Write(ref _disposed, true);
            slots = [Interlocked.Exchange(ref _active, null), Interlocked.Exchange(ref _previous, null), Interlocked.Exchange(ref _candidate, null)];
        }
        finally
        {
            _changes.Release();
        }

        foreach (var slot in slots)
        {
            if (slot is not null)
            {
                await slot.RetireAsync().ConfigureAwait(false);
            }
        }

        _ownedMeter?.Dispose();
    }

    private HostedResult Fallback(InferenceResult? result, ServedBy servedBy, string? version, FallbackReason reason, string? detail)
    {
        _fallbacks.Add(
            1,
            new KeyValuePair<string, object?>("mlops.model.name", Name),
            new KeyValuePair<string, object?>("served_by", servedBy.ToString()),
            new KeyValuePair<string, object?>("reason", reason.ToString()));
        return new HostedResult(result, servedBy, version, reason, detail);
    }

    /// <summary>Leases the slot a field points to (re-reading it if a swap retired it meanwhile) and runs the request.</summary>
    private async ValueTask<(ModelSlot? Slot, HostedResult Attempt)> TryServeAsync(Role role, InferenceRequest request, CancellationToken cancellationToken)
    {
        ModelSlot? slot = null;
        for (var attempt = 0; attempt < 8; attempt++)
        {
            slot = role switch
            {
                Role.Active => Volatile.Read(ref _active),
                Role.Previous => Volatile.Read(ref _previous),
                _ => Volatile.Read(ref _candidate),
            };
            if (slot is null || slot.TryAcquire())
            {
                break;
            }

            slot = null; // retired between the read and the lease: the field already points to its successor
        }

        if (slot is null)
        {
            return (null, new HostedResult(null, ServedBy.NoAnswer, null, FallbackReason.NotLoaded, $"No version of model '{Name}' is loaded."));
        }

        return (slot, await RunLeasedAsync(slot, request, cancellationToken).ConfigureAwait(false));
    }

    private async ValueTask<HostedResult> RunLeasedAsync(ModelSlot slot, InferenceRequest request, CancellationToken cancellationToken)
    {
        CancellationTokenSource? timeout = null;
        CancellationTokenSource? linked = null;
        try
        {
            var token = cancellationToken;
            if (_options.RequestTimeout is { } limit)
            {
                timeout = new CancellationTokenSource(limit, _timeProvider);
                linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                token = linked.Token;
            }

            var result = await slot.Batcher.InferAsync(request, cancellationToken: token).ConfigureAwait(false);
            return new HostedResult(result, ServedBy.Active, result.ModelVersion, FallbackReason.None, null);
        }
        catch (OperationCanceledException) when (timeout is not null && !cancellationToken.IsCancellationRequested)
        {
            return new HostedResult(null, ServedBy.NoAnswer, slot.Version, FallbackReason.Timeout, $"Version {slot.Version} did not answer within {_options.RequestTimeout!.Value.TotalMilliseconds:0.###} ms.");
        }
        catch (QueueTimeoutException ex)
        {
            return new HostedResult(null, ServedBy.NoAnswer, slot.Version, FallbackReason.Timeout, ex.Message);
        }
        catch (QueueFullException ex)
        {
            return new HostedResult(null, ServedBy.NoAnswer, slot.Version, FallbackReason.Overloaded, ex.Message);
        }
        catch (InferenceFailedException ex)
        {
            return new HostedResult(null, ServedBy.NoAnswer, slot.Version, FallbackReason.ModelFailed, ex.Message);
        }
        catch (ObjectDisposedException)
        {
            return new HostedResult(null, ServedBy.NoAnswer, slot.Version, FallbackReason.NotLoaded, $"Version {slot.Version} was unloaded.");
        }
        finally
        {
            linked?.Dispose();
            timeout?.Dispose();
            slot.Release();
        }
    }

    private async Task SetCandidateAsync(ModelSource candidate, int buckets, bool shadow, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var slot = await LoadAsync(candidate, cancellationToken).ConfigureAwait(false);
        ModelSlot? retired;
        await _changes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfDisposed(slot);
            retired = Interlocked.Exchange(ref _candidate, slot);
            Volatile.Write(ref _canaryBuckets, buckets);
            Volatile.Write(ref _shadow, shadow);
        }
        finally
        {
            _changes.Release();
        }

        if (retired is not null)
        {
            await retired.RetireAsync().ConfigureAwait(false);
        }
    }

    private async Task<ModelSlot> LoadAsync(ModelSource source, CancellationToken cancellationToken)
    {
        OnnxModel model;
        try
        {
            var stream = await source.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var options = CopyModelOptions(source.Version);
                model = await OnnxModel.LoadAsync(stream, options, _logger, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is ArtifactIntegrityException or MLOps.Registry.ModelArtifactIntegrityException)
        {
            throw Failed(source, DeploymentFailureKind.Integrity, ex);
        }
        catch (ModelLoadException ex)
        {
            throw Failed(source, DeploymentFailureKind.Invalid, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArtifactNotFoundException or MLOps.Registry.ModelNotFoundException)
        {
            throw Failed(source, DeploymentFailureKind.Unreadable, ex);
        }

        return new ModelSlot(model, _options.Batching, _timeProvider, _meterFactory);
    }

    private ModelDeploymentException Failed(ModelSource source, DeploymentFailureKind kind, Exception ex)
    {
        var failure = new ModelDeploymentException(Name, source.Version, kind, ex);
        LogDeployFailed(_logger, failure, Name, source.Version, kind);
        return failure;
    }

    private OnnxModelOptions CopyModelOptions(string version)
    {
        var o = _options.Model;
        var copy = new OnnxModelOptions
        {
            Name = Name,
            Version = version,
            ExecutionProvider = o.ExecutionProvider,
            CudaDeviceId = o.CudaDeviceId,
            IntraOpThreads = o.IntraOpThreads,
            InterOpThreads = o.InterOpThreads,
            ParallelExecution = o.ParallelExecution,
            GraphOptimization = o.GraphOptimization,
            WarmupRuns = o.WarmupRuns,
            RejectNonFiniteInputs = o.RejectNonFiniteInputs,
        };
        foreach (var (key, value) in o.CudaProviderOptions)
        {
            copy.CudaProviderOptions[key] = value;
        }

        return copy;
    }

    private void ThrowIfDisposed(ModelSlot loaded)
    {
        if (_disposed)
        {
            _ = loaded.RetireAsync();
            throw new ObjectDisposedException(nameof(ModelHost));
        }
    }

    private int Bucket(string? routingKey)
    {
        if (routingKey is null)
        {
            return (int)((ulong)Interlocked.Increment(ref _roundRobin) % Buckets);
        }

        // FNV-1a over the UTF-16 code units: stable across processes and runtimes, unlike string.GetHashCode.
        var hash = 14695981039346656037UL;
        foreach (var c in routingKey)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return (int)(hash % Buckets);
    }

    private void Mirror(InferenceRequest request, InferenceResult served)
    {
        var candidate = Volatile.Read(ref _candidate);
        if (candidate is null)
        {
            return;
        }

        if (Interlocked.Increment(ref _shadowInFlight) > _options.MaxShadowInFlight)
        {
            Interlocked.Decrement(ref _shadowInFlight);
            Interlocked.Increment(ref _shadowSkipped);
            return;
        }

        _ = CompareAsync(request, served);
    }

    private async Task CompareAsync(InferenceRequest request, InferenceResult served)
    {
        try
        {
            var (_, shadow) = await TryServeAsync(Role.Candidate, request, CancellationToken.None).ConfigureAwait(false);
            if (shadow.Result is null)
            {
                Interlocked.Increment(ref _shadowFailed);
                return;
            }

            var difference = MaxDifference(served, shadow.Result);
            Interlocked.Increment(ref _shadowCompared);
            if (difference > _options.ShadowTolerance)
            {
                Interlocked.Increment(ref _shadowMismatched);
            }

            double seen;
            while (difference > (seen = Volatile.Read(ref _shadowMaxDifference)))
            {
                if (Interlocked.CompareExchange(ref _shadowMaxDifference, difference, seen) == seen)
                {
                    break;
                }
            }
        }
        catch (InvalidInferenceInputException)
        {
            Interlocked.Increment(ref _shadowFailed); // the candidate's signature differs from the active one's
        }
        finally
        {
            Interlocked.Decrement(ref _shadowInFlight);
        }
    }

    private static double MaxDifference(InferenceResult a, InferenceResult b)
    {
        var max = 0.0;
        foreach (var (name, tensor) in a.Outputs)
        {
            InferenceTensor other;
            try
            {
                other = b[name];
            }
            catch (KeyNotFoundException)
            {
                return double.PositiveInfinity;
            }

            if (tensor.ElementCount != other.ElementCount || tensor.ElementKind != other.ElementKind)
            {
                return double.PositiveInfinity;
            }

            switch (tensor)
            {
                case InferenceTensor<float> f:
                    var g = ((InferenceTensor<float>)other).Span;
                    for (var i = 0; i < g.Length; i++)
                    {
                        max = Math.Max(max, Math.Abs((double)f.Span[i] - g[i]));
                    }

                    break;
                case InferenceTensor<double> d:
                    var e = ((InferenceTensor<double>)other).Span;
                    for (var i = 0; i < e.Length; i++)
                    {
                        max = Math.Max(max, Math.Abs(d.Span[i] - e[i]));
                    }

                    break;
                default:
                    if (!SameElements(tensor, other))
                    {
                        return double.PositiveInfinity;
                    }

                    break;
            }
        }

        return max;
    }

    private static bool SameElements(InferenceTensor a, InferenceTensor b) => (a, b) switch
    {
        (InferenceTensor<long> x, InferenceTensor<long> y) => x.Span.SequenceEqual(y.Span),
        (InferenceTensor<int> x, InferenceTensor<int> y) => x.Span.SequenceEqual(y.Span),
        (InferenceTensor<bool> x, InferenceTensor<bool> y) => x.Span.SequenceEqual(y.Span),
        (StringTensor x, StringTensor y) => x.Data.Span.SequenceEqual(y.Data.Span),
        _ => false,
    };

    private enum Role
    {
        Active,
        Previous,
        Candidate,
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Model '{Model}' now serves version {Version} from {Source}.")]
    private static partial void LogDeployed(ILogger logger, string model, string version, string source);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Model '{Model}' rolled back from version {From} to {To}.")]
    private static partial void LogRolledBack(ILogger logger, string model, string from, string to);

    [LoggerMessage(EventId = 12, Level = LogLevel.Error, Message = "Model '{Model}' version {Version} was not deployed ({Kind}); the current version keeps serving.")]
    private static partial void LogDeployFailed(ILogger logger, Exception exception, string model, string version, DeploymentFailureKind kind);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Model '{Model}' degraded: {Reason}. Requests go to the fallback chain.")]
    private static partial void LogDegraded(ILogger logger, string model, string reason);
}
