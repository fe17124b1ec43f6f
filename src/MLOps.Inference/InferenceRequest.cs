namespace MLOps.Inference;

/// <summary>
/// The named input tensors of one inference call. The first dimension of every input is the row (batch)
/// dimension; a request may carry several rows, and the batcher never splits a request.
/// </summary>
public sealed class InferenceRequest
{
    private readonly KeyValuePair<string, InferenceTensor>[] _inputs;

    /// <summary>Creates a request with one input.</summary>
    /// <param name="name">The model input's name.</param>
    /// <param name="tensor">Its value.</param>
    public InferenceRequest(string name, InferenceTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(tensor);
        _inputs = [new(name, tensor)];
    }

    /// <summary>Creates a request with several inputs.</summary>
    /// <param name="inputs">The inputs by model input name.</param>
    /// <exception cref="ArgumentException">A name is given twice.</exception>
    public InferenceRequest(IEnumerable<KeyValuePair<string, InferenceTensor>> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        _inputs = [.. inputs];
        for (var i = 0; i < _inputs.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(_inputs[i].Key, "inputs.Key");
            ArgumentNullException.ThrowIfNull(_inputs[i].Value, "inputs.Value");
            for (var j = 0; j < i; j++)
            {
                if (_inputs[j].Key == _inputs[i].Key)
                {
                    throw new ArgumentException($"The input '{_inputs[i].Key}' is given twice; give each input once.", nameof(inputs));
                }
            }
        }
    }

    /// <summary>Gets the inputs in the order they were given.</summary>
    public IReadOnlyList<KeyValuePair<string, InferenceTensor>> Inputs => _inputs;

    /// <summary>Gets the number of rows (the first dimension of the inputs; 1 for scalars).</summary>
    public int Rows => _inputs.Length == 0 || _inputs[0].Value.Shape.Count == 0 ? 1 : (int)_inputs[0].Value.Shape[0];

    /// <summary>Finds an input by name.</summary>
    /// <param name="name">The input name.</param>
    /// <returns>The tensor, or <see langword="null"/>.</returns>
    public InferenceTensor? Find(string name)
    {
        foreach (var (key, value) in _inputs)
        {
            if (key == name)
            {
                return value;
            }
        }

        return null;
    }
}

/// <summary>The named output tensors of one inference call, and where they came from.</summary>
public sealed class InferenceResult
{
    private readonly KeyValuePair<string, InferenceTensor>[] _outputs;

    /// <summary>Creates a result from outputs computed elsewhere, e.g. by a rule-based fallback.</summary>
    /// <param name="outputs">The outputs by name.</param>
    /// <param name="modelName">Who answered.</param>
    /// <param name="modelVersion">Which version of it.</param>
    public InferenceResult(IEnumerable<KeyValuePair<string, InferenceTensor>> outputs, string modelName, string modelVersion)
        : this([.. outputs ?? throw new ArgumentNullException(nameof(outputs))], modelName, modelVersion, 0, TimeSpan.Zero)
    {
    }

    internal InferenceResult(KeyValuePair<string, InferenceTensor>[] outputs, string modelName, string modelVersion, int batchRows, TimeSpan queueTime)
    {
        _outputs = outputs;
        ModelName = modelName;
        ModelVersion = modelVersion;
        BatchRows = batchRows;
        QueueTime = queueTime;
    }

    /// <summary>Gets the outputs in model order.</summary>
    public IReadOnlyList<KeyValuePair<string, InferenceTensor>> Outputs => _outputs;

    /// <summary>Gets the name of the model that answered.</summary>
    public string ModelName { get; }

    /// <summary>Gets the version of the model that answered.</summary>
    public string ModelVersion { get; }

    /// <summary>Gets the number of rows in the batch this request ran in (its own rows included).</summary>
    public int BatchRows { get; }

    /// <summary>Gets how long the request waited in the queue before its batch started.</summary>
    public TimeSpan QueueTime { get; }

    /// <summary>Gets an output by name.</summary>
    /// <param name="name">The output name.</param>
    /// <returns>The tensor.</returns>
    /// <exception cref="KeyNotFoundException">The model has no such output, or it was not requested.</exception>
    public InferenceTensor this[string name]
    {
        get
        {
            foreach (var (key, value) in _outputs)
            {
                if (key == name)
                {
                    return value;
                }
            }

            throw new KeyNotFoundException($"The result has no output '{name}'; it has: {string.Join(", ", Array.ConvertAll(_outputs, static o => o.Key))}.");
        }
    }

    /// <summary>Gets a numeric output's elements.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="name">The output name.</param>
    /// <returns>The elements in row-major order.</returns>
    public ReadOnlySpan<T> Get<T>(string name)
        where T : unmanaged
        => this[name].AsSpan<T>();
}
