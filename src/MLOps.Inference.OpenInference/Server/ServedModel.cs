using Microsoft.Extensions.DependencyInjection;
using MLOps.Inference.Hosting;

namespace MLOps.Inference.OpenInference;

/// <summary>One model behind the v2 endpoints: a dynamic batcher or a model host, resolved on first use.</summary>
internal sealed class ServedModel(string name, IServiceProvider services)
{
    private readonly Lazy<(DynamicBatcher? Batcher, ModelHost? Host)> _target = new(
        () => services.GetKeyedService<DynamicBatcher>(name) is { } batcher ? (batcher, null) : (null, services.GetRequiredKeyedService<ModelHost>(name)),
        LazyThreadSafetyMode.ExecutionAndPublication);

    public string Name => name;

    public string? Version => _target.Value.Batcher?.Model.Version ?? _target.Value.Host?.ActiveVersion;

    public bool IsReady => _target.Value.Batcher is not null || _target.Value.Host?.ActiveVersion is not null;

    /// <summary>Null for a model host, whose tensors are known only to its loaded versions.</summary>
    public IReadOnlyList<TensorSpec>? Inputs => _target.Value.Batcher?.Model.Inputs;

    public IReadOnlyList<TensorSpec>? Outputs => _target.Value.Batcher?.Model.Outputs;

    public async ValueTask<InferenceResult> InferAsync(InferenceRequest request, int priority, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var (batcher, host) = _target.Value;
        if (batcher is not null)
        {
            return await batcher.InferAsync(request, priority, timeout, cancellationToken).ConfigureAwait(false);
        }

        var hosted = await host!.InferAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
        return hosted.Result ?? throw new NoAnswerException(name, hosted.Reason);
    }
}
