namespace MLOps.Inference.OpenInference;

/// <summary>
/// Runs inference on one model, wherever it lives: in this process (<see cref="DynamicBatcher"/>,
/// <see cref="Hosting.ModelHost"/>) or on a Triton/KServe server over the Open Inference Protocol
/// (<see cref="OpenInferenceClient"/>). Application code written against this interface keeps working when the
/// model moves out of the process.
/// </summary>
/// <remarks>Implementations are thread-safe: one instance serves concurrent callers.</remarks>
public interface IInferenceClient
{
    /// <summary>Gets the name of the model this client runs.</summary>
    string ModelName { get; }

    /// <summary>Runs one request (one or more rows) and returns its outputs.</summary>
    /// <param name="request">The named input tensors; the first dimension is the batch.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The output tensors.</returns>
    /// <exception cref="InvalidInferenceInputException">A local model rejected the input.</exception>
    /// <exception cref="QueueFullException">A local model's queue is full.</exception>
    /// <exception cref="QueueTimeoutException">A local request waited past its timeout.</exception>
    /// <exception cref="InferenceFailedException">A local model failed to run.</exception>
    /// <exception cref="NoAnswerException">A local model host had no version able to answer.</exception>
    /// <exception cref="OpenInferenceException">A remote server answered with an error, or could not be reached.</exception>
    ValueTask<InferenceResult> InferAsync(InferenceRequest request, CancellationToken cancellationToken = default);
}
