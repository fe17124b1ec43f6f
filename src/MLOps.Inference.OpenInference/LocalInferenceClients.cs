using MLOps.Inference.Hosting;

namespace MLOps.Inference.OpenInference;

/// <summary>An <see cref="IInferenceClient"/> over an in-process <see cref="DynamicBatcher"/>.</summary>
/// <remarks>Thread-safe. Does not own the batcher: disposing the batcher is its owner's job.</remarks>
public sealed class BatcherInferenceClient : IInferenceClient
{
    private readonly DynamicBatcher _batcher;

    /// <summary>Wraps a batcher.</summary>
    /// <param name="batcher">The batcher that runs the requests.</param>
    /// <exception cref="ArgumentNullException"><paramref name="batcher"/> is null.</exception>
    public BatcherInferenceClient(DynamicBatcher batcher)
    {
        ArgumentNullException.ThrowIfNull(batcher);
        _batcher = batcher;
    }

    /// <inheritdoc />
    public string ModelName => _batcher.Model.Name;

    /// <inheritdoc />
    public ValueTask<InferenceResult> InferAsync(InferenceRequest request, CancellationToken cancellationToken = default) =>
        _batcher.InferAsync(request, cancellationToken: cancellationToken);
}

/// <summary>An <see cref="IInferenceClient"/> over an in-process <see cref="ModelHost"/> (hot-swap, fallback chain, canary).</summary>
/// <remarks>
/// Thread-safe. Does not own the host. An answer from a fallback (previous version, rule-based) is returned as a
/// normal result; when the host has no answer at all, <see cref="InferAsync"/> throws <see cref="NoAnswerException"/>.
/// </remarks>
public sealed class ModelHostInferenceClient : IInferenceClient
{
    private readonly ModelHost _host;

    /// <summary>Wraps a model host.</summary>
    /// <param name="host">The host that runs the requests.</param>
    /// <exception cref="ArgumentNullException"><paramref name="host"/> is null.</exception>
    public ModelHostInferenceClient(ModelHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
    }

    /// <inheritdoc />
    public string ModelName => _host.Name;

    /// <inheritdoc />
    public async ValueTask<InferenceResult> InferAsync(InferenceRequest request, CancellationToken cancellationToken = default)
    {
        var hosted = await _host.InferAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
        return hosted.Result ?? throw new NoAnswerException(_host.Name, hosted.Reason);
    }
}

/// <summary>A <see cref="ModelHost"/> had no version (nor fallback) able to answer a request.</summary>
public sealed class NoAnswerException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="modelName">The model host's name.</param>
    /// <param name="reason">Why the routed version did not answer.</param>
    public NoAnswerException(string modelName, FallbackReason reason)
        : base($"Model '{modelName}' has no version able to answer (reason: {reason}); {(IsTransientReason(reason) ? "retry later" : "check the model and its deployment")}.", IsTransientReason(reason))
    {
        ModelName = modelName;
        Reason = reason;
    }

    /// <summary>Gets the model host's name.</summary>
    public string ModelName { get; }

    /// <summary>Gets why the routed version did not answer.</summary>
    public FallbackReason Reason { get; }

    private static bool IsTransientReason(FallbackReason reason) =>
        reason is FallbackReason.NotLoaded or FallbackReason.Timeout or FallbackReason.Overloaded or FallbackReason.ExternalSignal;
}
