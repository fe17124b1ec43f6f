namespace MLOps.Inference;

/// <summary>Where a model runs.</summary>
public enum ExecutionProvider
{
    /// <summary>CUDA when it loads on this host, otherwise the CPU (the reason is logged once).</summary>
    Auto,

    /// <summary>The CPU only.</summary>
    Cpu,

    /// <summary>CUDA only; loading fails with <see cref="ExecutionProviderUnavailableException"/> when it cannot be used.</summary>
    Cuda,
}

/// <summary>How much ONNX Runtime rewrites the graph before running it.</summary>
public enum GraphOptimization
{
    /// <summary>No rewriting.</summary>
    None,

    /// <summary>Semantics-preserving rewrites such as constant folding.</summary>
    Basic,

    /// <summary>Basic plus node fusions.</summary>
    Extended,

    /// <summary>Everything, including layout changes (ONNX Runtime's default).</summary>
    All,
}

/// <summary>Options for loading an ONNX model.</summary>
public sealed class OnnxModelOptions
{
    /// <summary>Gets or sets the model name used in errors, logs and metrics. Default: the graph's <c>model_name</c> metadata, else the file name.</summary>
    public string? Name { get; set; }

    /// <summary>Gets or sets the version reported with every result. Default: the graph's <c>version</c> metadata, else its model version.</summary>
    public string? Version { get; set; }

    /// <summary>Gets or sets where the model runs. Default: <see cref="ExecutionProvider.Auto"/>.</summary>
    public ExecutionProvider ExecutionProvider { get; set; } = ExecutionProvider.Auto;

    /// <summary>Gets or sets the CUDA device. Default: 0.</summary>
    public int CudaDeviceId { get; set; }

    /// <summary>Gets CUDA provider options passed to ONNX Runtime as they are (e.g. <c>gpu_mem_limit</c>, <c>cudnn_conv_algo_search</c>).</summary>
    public IDictionary<string, string> CudaProviderOptions { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets the threads one run may use inside an operator; 0 lets ONNX Runtime choose. Default: 0.</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>Gets or sets the threads for running independent branches in parallel; 0 lets ONNX Runtime choose. Default: 0.</summary>
    public int InterOpThreads { get; set; }

    /// <summary>Gets or sets a value indicating whether independent graph branches run in parallel. Default: <see langword="false"/>.</summary>
    public bool ParallelExecution { get; set; }

    /// <summary>Gets or sets the graph optimisation level. Default: <see cref="GraphOptimization.All"/>.</summary>
    public GraphOptimization GraphOptimization { get; set; } = GraphOptimization.All;

    /// <summary>
    /// Gets or sets how many warm-up runs (on zero-filled inputs of one row) complete before the model reports ready.
    /// Default: 1. Models with inputs that cannot be zero-filled (strings, fixed non-batch shapes are fine) skip warm-up.
    /// </summary>
    public int WarmupRuns { get; set; } = 1;

    /// <summary>Gets or sets a value indicating whether NaN or infinite float inputs are rejected before running. Default: <see langword="false"/>.</summary>
    public bool RejectNonFiniteInputs { get; set; }
}
