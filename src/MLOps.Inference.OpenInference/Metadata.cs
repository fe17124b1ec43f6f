namespace MLOps.Inference.OpenInference;

/// <summary>A v2 server's metadata (<c>GET v2</c>).</summary>
/// <param name="Name">The server's name.</param>
/// <param name="Version">The server's version.</param>
/// <param name="Extensions">The protocol extensions it supports, for example <c>binary_tensor_data</c>.</param>
public sealed record ServerMetadata(string Name, string Version, IReadOnlyList<string> Extensions);

/// <summary>A model's metadata (<c>GET v2/models/{name}[/versions/{version}]</c>).</summary>
/// <param name="Name">The model's name.</param>
/// <param name="Versions">The versions the server can serve; may be empty.</param>
/// <param name="Platform">The framework, for example <c>onnxruntime_onnx</c>.</param>
/// <param name="Inputs">The inputs.</param>
/// <param name="Outputs">The outputs.</param>
public sealed record ModelMetadata(string Name, IReadOnlyList<string> Versions, string Platform, IReadOnlyList<TensorMetadata> Inputs, IReadOnlyList<TensorMetadata> Outputs);

/// <summary>One tensor of a model's metadata.</summary>
/// <param name="Name">The tensor's name.</param>
/// <param name="Datatype">The v2 datatype, for example <c>FP32</c> (see <see cref="OpenInferenceDatatypes"/>).</param>
/// <param name="Shape">The dimensions; -1 for a variable one.</param>
public sealed record TensorMetadata(string Name, string Datatype, IReadOnlyList<long> Shape);

/// <summary>Per-call choices for <see cref="OpenInferenceClient.InferAsync(InferenceRequest, OpenInferenceCallOptions?, CancellationToken)"/>.</summary>
public sealed class OpenInferenceCallOptions
{
    /// <summary>Gets or sets the model to call; null (the default) uses <see cref="OpenInferenceClientOptions.ModelName"/>.</summary>
    public string? ModelName { get; set; }

    /// <summary>Gets or sets the model version; null (the default) uses <see cref="OpenInferenceClientOptions.ModelVersion"/>.</summary>
    public string? ModelVersion { get; set; }

    /// <summary>Gets or sets the request id the server echoes back; null (the default) sends none.</summary>
    public string? Id { get; set; }

    /// <summary>Gets the request parameters (values: string, bool, int, long, double). Empty by default.</summary>
    public IDictionary<string, object> Parameters { get; } = new Dictionary<string, object>(StringComparer.Ordinal);

    /// <summary>Gets the outputs to return; empty (the default) returns all.</summary>
    public IList<string> Outputs { get; } = new List<string>();

    /// <summary>Gets or sets whether tensors travel as binary data; null (the default) uses <see cref="OpenInferenceClientOptions.UseBinaryData"/>.</summary>
    public bool? UseBinaryData { get; set; }
}

/// <summary>A v2 inference response: the outputs and what the server said about them.</summary>
/// <param name="Result">The output tensors, as an <see cref="InferenceResult"/>.</param>
/// <param name="Id">The request id the server echoed, if any.</param>
/// <param name="Parameters">The response parameters; empty when none.</param>
public sealed record OpenInferenceResponse(InferenceResult Result, string? Id, IReadOnlyDictionary<string, object> Parameters)
{
    /// <summary>Gets the model that answered.</summary>
    public string ModelName => Result.ModelName;

    /// <summary>Gets the model version that answered; empty when the server did not say.</summary>
    public string ModelVersion => Result.ModelVersion;
}
