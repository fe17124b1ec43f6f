namespace MLOps.Inference;

/// <summary>An input does not match what the model expects (name, element type, rank, dimensions or values).</summary>
/// <remarks>Raised before the request is queued; it never affects other requests.</remarks>
public sealed class InvalidInferenceInputException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="modelName">The model.</param>
    /// <param name="inputName">The offending input.</param>
    /// <param name="expected">What the model expects, e.g. <c>input: Float[?,32]</c>.</param>
    /// <param name="problem">What is wrong and how to fix it.</param>
    public InvalidInferenceInputException(string modelName, string inputName, string expected, string problem)
        : base($"Model '{modelName}', input '{inputName}': {problem} The model expects {expected}.")
    {
        ModelName = modelName;
        InputName = inputName;
        Expected = expected;
    }

    /// <summary>Gets the model name.</summary>
    public string ModelName { get; }

    /// <summary>Gets the offending input's name.</summary>
    public string InputName { get; }

    /// <summary>Gets what the model expects for that input.</summary>
    public string Expected { get; }
}

/// <summary>The batcher's queue is full; the request was rejected at once without waiting.</summary>
public sealed class QueueFullException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="modelName">The model.</param>
    /// <param name="capacity">The queue capacity in requests.</param>
    public QueueFullException(string modelName, int capacity)
        : base($"Model '{modelName}' has {capacity} requests queued, its maximum; retry later, add instances, or raise MaxQueueSize.", isTransient: true)
    {
        ModelName = modelName;
        Capacity = capacity;
    }

    /// <summary>Gets the model name.</summary>
    public string ModelName { get; }

    /// <summary>Gets the queue capacity in requests.</summary>
    public int Capacity { get; }
}

/// <summary>A request waited in the queue longer than its timeout and was removed without running.</summary>
public sealed class QueueTimeoutException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="modelName">The model.</param>
    /// <param name="timeout">The queue timeout that expired.</param>
    public QueueTimeoutException(string modelName, TimeSpan timeout)
        : base($"A request to model '{modelName}' waited {timeout.TotalMilliseconds:0.###} ms in the queue, its timeout, and was not run; retry, add instances, or raise the timeout.", isTransient: true)
    {
        ModelName = modelName;
        Timeout = timeout;
    }

    /// <summary>Gets the model name.</summary>
    public string ModelName { get; }

    /// <summary>Gets the queue timeout that expired.</summary>
    public TimeSpan Timeout { get; }
}

/// <summary>ONNX Runtime failed to run a request.</summary>
/// <remarks>When a batch fails, each of its requests is retried alone, so this reaches only the request that fails by itself.</remarks>
public sealed class InferenceFailedException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="modelName">The model.</param>
    /// <param name="innerException">ONNX Runtime's error.</param>
    public InferenceFailedException(string modelName, Exception innerException)
        : base($"Model '{modelName}' failed to run the request: {innerException?.Message}", innerException)
    {
        ModelName = modelName;
    }

    /// <summary>Gets the model name.</summary>
    public string ModelName { get; }
}

/// <summary>A model could not be loaded (missing or corrupt file, unsupported operator, bad options).</summary>
public sealed class ModelLoadException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="source">Where the model came from (a path or a description).</param>
    /// <param name="reason">What went wrong and what to do.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public ModelLoadException(string source, string reason, Exception? innerException = null)
        : base($"Could not load the model from {source}: {reason}", innerException)
    {
        Source = source;
    }

    /// <summary>Gets where the model came from.</summary>
    public new string Source { get; }
}

/// <summary>The CUDA execution provider was required but cannot be used on this host.</summary>
public sealed class ExecutionProviderUnavailableException : MLOpsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="provider">The provider asked for.</param>
    /// <param name="reason">Why it cannot be used.</param>
    /// <param name="innerException">ONNX Runtime's error.</param>
    public ExecutionProviderUnavailableException(ExecutionProvider provider, string reason, Exception? innerException = null)
        : base($"The {provider} execution provider is not available: {reason} Reference MLOps.Inference.Gpu (not Microsoft.ML.OnnxRuntime) and install CUDA 13 + cuDNN 9, or use ExecutionProvider.Auto to fall back to the CPU.", innerException)
    {
        Provider = provider;
    }

    /// <summary>Gets the provider asked for.</summary>
    public ExecutionProvider Provider { get; }
}
