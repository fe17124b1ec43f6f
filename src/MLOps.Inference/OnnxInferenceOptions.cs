namespace MLOps.Inference;

/// <summary>Options of one named model served through <c>AddOnnxInference</c>.</summary>
public sealed class OnnxInferenceOptions
{
    /// <summary>Gets or sets the <c>.onnx</c> file to load. Required.</summary>
    public string? ModelPath { get; set; }

    /// <summary>Gets the session options (execution provider, threads, warm-up).</summary>
    public OnnxModelOptions Model { get; } = new();

    /// <summary>Gets the dynamic batching options.</summary>
    public DynamicBatcherOptions Batching { get; } = new();
}
