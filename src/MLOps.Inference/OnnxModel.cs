using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MLOps.Inference;

/// <summary>
/// One ONNX model loaded into ONNX Runtime, on CUDA when asked for and available, otherwise on the CPU.
/// </summary>
/// <remarks>
/// <para>
/// Loading validates the graph, picks the execution provider (see <see cref="ExecutionProvider"/>), reads the
/// input and output metadata and runs <see cref="OnnxModelOptions.WarmupRuns"/> warm-up calls, so a model that
/// loads is ready. <see cref="Run(InferenceRequest)"/> is thread-safe (ONNX Runtime sessions may be run from
/// several threads); <see cref="DynamicBatcher"/> builds on it to stack many small requests into few large runs.
/// </para>
/// <para>
/// Inputs are handed to ONNX Runtime without copies where possible (a lone request's arrays are pinned in place;
/// batched requests are stacked into pooled buffers). Outputs are copied into arrays the caller owns.
/// </para>
/// </remarks>
public sealed partial class OnnxModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly TensorSpec[] _inputs;
    private readonly TensorSpec[] _outputs;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly bool _rejectNonFinite;
    private int _disposed;

    private OnnxModel(InferenceSession session, OnnxModelOptions options, string defaultName, ExecutionProvider provider, string? fallbackReason)
    {
        _session = session;
        _rejectNonFinite = options.RejectNonFiniteInputs;
        ActiveProvider = provider;
        FallbackReason = fallbackReason;

        var metadata = session.ModelMetadata;
        metadata.CustomMetadataMap.TryGetValue("model_name", out var metadataName);
        metadata.CustomMetadataMap.TryGetValue("version", out var metadataVersion);
        Name = options.Name ?? metadataName ?? defaultName;
        Version = options.Version ?? metadataVersion ?? (metadata.Version == long.MaxValue ? "0" : metadata.Version.ToString(CultureInfo.InvariantCulture));

        _inputs = Describe(session.InputMetadata);
        _outputs = Describe(session.OutputMetadata);
        _inputNames = Array.ConvertAll(_inputs, static s => s.Name);
        _outputNames = Array.ConvertAll(Array.FindAll(_outputs, static s => s.ElementKind is not null), static s => s.Name);
        CanBatch = _inputs.Length > 0 && Array.TrueForAll(_inputs, static s => s.IsBatched);
    }

    /// <summary>Gets the model name used in results, errors, logs and metrics.</summary>
    public string Name { get; }

    /// <summary>Gets the model version reported with every result.</summary>
    public string Version { get; }

    /// <summary>Gets the model inputs.</summary>
    public IReadOnlyList<TensorSpec> Inputs => _inputs;

    /// <summary>Gets the model outputs. Outputs whose element type is unsupported are listed but not returned.</summary>
    public IReadOnlyList<TensorSpec> Outputs => _outputs;

    /// <summary>Gets the execution provider the model actually runs on.</summary>
    public ExecutionProvider ActiveProvider { get; }

    /// <summary>Gets why CUDA was not used when <see cref="ExecutionProvider.Auto"/> fell back to the CPU; otherwise <see langword="null"/>.</summary>
    public string? FallbackReason { get; }

    /// <summary>Gets a value indicating whether every input has a variable first dimension, so requests can be stacked.</summary>
    public bool CanBatch { get; }

    /// <summary>Loads a model from a file.</summary>
    /// <param name="path">The <c>.onnx</c> file.</param>
    /// <param name="options">Load options; defaults when <see langword="null"/>.</param>
    /// <param name="logger">Receives the CUDA fallback reason and load events.</param>
    /// <returns>The loaded, warmed-up model.</returns>
    /// <exception cref="ModelLoadException">The file is missing, corrupt or not runnable.</exception>
    /// <exception cref="ExecutionProviderUnavailableException">CUDA was required and cannot be used.</exception>
    public static OnnxModel Load(string path, OnnxModelOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"'{path}'", "the file cannot be read; check the path and permissions.", ex);
        }

        return Load(bytes, Path.GetFileNameWithoutExtension(path), $"'{path}'", options, logger);
    }

    /// <summary>Loads a model from its serialized bytes.</summary>
    /// <param name="model">The ONNX protobuf bytes.</param>
    /// <param name="options">Load options; defaults when <see langword="null"/>.</param>
    /// <param name="logger">Receives the CUDA fallback reason and load events.</param>
    /// <returns>The loaded, warmed-up model.</returns>
    /// <exception cref="ModelLoadException">The bytes are not a runnable model.</exception>
    /// <exception cref="ExecutionProviderUnavailableException">CUDA was required and cannot be used.</exception>
    public static OnnxModel Load(byte[] model, OnnxModelOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Load(model, "model", "memory", options, logger);
    }

    /// <summary>Loads a model from a stream (read to its end; ONNX Runtime needs the whole graph in memory).</summary>
    /// <param name="model">The stream.</param>
    /// <param name="options">Load options; defaults when <see langword="null"/>.</param>
    /// <param name="logger">Receives the CUDA fallback reason and load events.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The loaded, warmed-up model.</returns>
    /// <exception cref="ModelLoadException">The bytes are not a runnable model.</exception>
    public static async Task<OnnxModel> LoadAsync(Stream model, OnnxModelOptions? options = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var buffer = new MemoryStream();
        await model.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Load(buffer.ToArray(), "model", "a stream", options, logger);
    }

    /// <summary>Runs one request now, on the calling thread, without batching.</summary>
    /// <param name="request">The inputs.</param>
    /// <returns>The outputs.</returns>
    /// <exception cref="InvalidInferenceInputException">An input does not match the model.</exception>
    /// <exception cref="InferenceFailedException">ONNX Runtime failed.</exception>
    public InferenceResult Run(InferenceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Validate(request);
        using var runOptions = new RunOptions();
        var results = new InferenceResult[1];
        try
        {
            RunBatch([request], request.Rows, runOptions, results, default);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InferenceFailedException(Name, ex);
        }

        return results[0];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _session.Dispose();
        }
    }

    /// <summary>Checks a request against the model's inputs; throws <see cref="InvalidInferenceInputException"/>.</summary>
    internal void Validate(InferenceRequest request)
    {
        foreach (var (name, _) in request.Inputs)
        {
            if (Array.IndexOf(_inputNames, name) < 0)
            {
                throw new InvalidInferenceInputException(Name, name, string.Join(", ", Array.ConvertAll(_inputs, static s => s.ToString())), $"the model has no input '{name}'.");
            }
        }

        long rows = -1;
        foreach (var spec in _inputs)
        {
            var tensor = request.Find(spec.Name) ?? throw new InvalidInferenceInputException(Name, spec.Name, spec.ToString(), "the input is missing.");
            if (spec.ElementKind != tensor.ElementKind)
            {
                throw new InvalidInferenceInputException(Name, spec.Name, spec.ToString(), $"it holds {tensor.ElementKind} elements.");
            }

            if (spec.Dimensions.Count != tensor.Shape.Count)
            {
                throw new InvalidInferenceInputException(Name, spec.Name, spec.ToString(), $"its shape [{InferenceTensor.FormatShape(tensor.Shape)}] has rank {tensor.Shape.Count}, not {spec.Dimensions.Count}.");
            }

            for (var d = 0; d < spec.Dimensions.Count; d++)
            {
                if (spec.Dimensions[d] >= 0 && spec.Dimensions[d] != tensor.Shape[d])
                {
                    throw new InvalidInferenceInputException(Name, spec.Name, spec.ToString(), $"its shape [{InferenceTensor.FormatShape(tensor.Shape)}] has {tensor.Shape[d]} at dimension {d}, not {spec.Dimensions[d]}.");
                }
            }

            if (CanBatch)
            {
                if (rows >= 0 && tensor.Shape[0] != rows)
                {
                    throw new InvalidInferenceInputException(Name, spec.Name, spec.ToString(), $"it has {tensor.Shape[0]} rows but the other inputs have {rows}; give every input the same number of rows.");
                }

                rows = tensor.Shape[0];
            }

            if (_rejectNonFinite && !AllFinite(tensor))
            {
                throw new InvalidInferenceInputException(Name, spec.Name, spec.ToString(), "it contains NaN or an infinity, which RejectNonFiniteInputs forbids.");
            }
        }

        if (CanBatch && rows == 0)
        {
            throw new InvalidInferenceInputException(Name, _inputNames[0], _inputs[0].ToString(), "it has 0 rows; send at least one row.");
        }
    }

    /// <summary>
    /// Stacks validated requests with equal non-batch shapes into one run and gives each its own rows back.
    /// Throws ONNX Runtime's exception when the run fails.
    /// </summary>
    internal void RunBatch(ReadOnlySpan<InferenceRequest> requests, int totalRows, RunOptions runOptions, Span<InferenceResult> results, ReadOnlySpan<TimeSpan> queueTimes)
    {
        var values = new OrtValue[_inputs.Length];
        var rented = new Array?[_inputs.Length];
        try
        {
            for (var i = 0; i < _inputs.Length; i++)
            {
                values[i] = CreateInput(_inputs[i], requests, totalRows, out rented[i]);
            }

            using var outputs = _session.Run(runOptions, _inputNames, values, _outputNames);
            var perRequest = new KeyValuePair<string, InferenceTensor>[requests.Length][];
            for (var r = 0; r < requests.Length; r++)
            {
                perRequest[r] = new KeyValuePair<string, InferenceTensor>[_outputNames.Length];
            }

            var o = 0;
            foreach (var output in outputs)
            {
                SplitOutput(_outputNames[o], output, requests, totalRows, perRequest, o);
                o++;
            }

            for (var r = 0; r < requests.Length; r++)
            {
                results[r] = new InferenceResult(perRequest[r], Name, Version, totalRows, queueTimes.IsEmpty ? TimeSpan.Zero : queueTimes[r]);
            }
        }
        finally
        {
            for (var i = 0; i < values.Length; i++)
            {
                values[i]?.Dispose();
                ReturnRented(rented[i]);
            }
        }
    }

    private static OrtValue CreateInput(TensorSpec spec, ReadOnlySpan<InferenceRequest> requests, int totalRows, out Array? rented)
    {
        rented = null;
        var first = requests[0].Find(spec.Name)!;
        var shape = first.ShapeArray;
        if (requests.Length > 1)
        {
            shape = (long[])shape.Clone();
            shape[0] = totalRows;
        }

        return first.ElementKind switch
        {
            TensorElementKind.Float => Stack<float>(spec.Name, requests, shape, out rented),
            TensorElementKind.Double => Stack<double>(spec.Name, requests, shape, out rented),
            TensorElementKind.Int64 => Stack<long>(spec.Name, requests, shape, out rented),
            TensorElementKind.Int32 => Stack<int>(spec.Name, requests, shape, out rented),
            TensorElementKind.Bool => Stack<bool>(spec.Name, requests, shape, out rented),
            _ => StackStrings(spec.Name, requests, shape),
        };
    }

    private static OrtValue Stack<T>(string name, ReadOnlySpan<InferenceRequest> requests, long[] shape, out Array? rented)
        where T : unmanaged
    {
        if (requests.Length == 1)
        {
            // A lone request is pinned in place: no copy.
            rented = null;
            var data = ((InferenceTensor<T>)requests[0].Find(name)!).Data;
            return OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, MemoryMarshal.AsMemory(data), shape);
        }

        var total = 0;
        foreach (var request in requests)
        {
            total += request.Find(name)!.ElementCount;
        }

        var buffer = ArrayPool<T>.Shared.Rent(Math.Max(total, 1));
        rented = buffer;
        var offset = 0;
        foreach (var request in requests)
        {
            var span = ((InferenceTensor<T>)request.Find(name)!).Span;
            span.CopyTo(buffer.AsSpan(offset));
            offset += span.Length;
        }

        return OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, total), shape);
    }

    private static OrtValue StackStrings(string name, ReadOnlySpan<InferenceRequest> requests, long[] shape)
    {
        var value = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape);
        var index = 0;
        foreach (var request in requests)
        {
            foreach (var s in ((StringTensor)request.Find(name)!).Data.Span)
            {
                value.StringTensorSetElementAt(s.AsSpan(), index++);
            }
        }

        return value;
    }

    private static void SplitOutput(string name, OrtValue output, ReadOnlySpan<InferenceRequest> requests, int totalRows, KeyValuePair<string, InferenceTensor>[][] perRequest, int slot)
    {
        var info = output.GetTensorTypeAndShape();
        var shape = info.Shape;
        // An output whose first dimension is not the batch (a constant, a per-model value) goes whole to every request.
        var batched = shape.Length > 0 && shape[0] == totalRows;
        var rowElements = batched && totalRows > 0 ? (int)(info.ElementCount / totalRows) : 0;
        var row = 0;
        for (var r = 0; r < requests.Length; r++)
        {
            var rows = requests[r].Rows;
            long[] own;
            int start, count;
            if (batched)
            {
                own = (long[])shape.Clone();
                own[0] = rows;
                start = row * rowElements;
                count = rows * rowElements;
            }
            else
            {
                own = shape;
                start = 0;
                count = (int)info.ElementCount;
            }

            perRequest[r][slot] = new(name, info.ElementDataType switch
            {
                TensorElementType.Float => Slice<float>(output, start, count, own),
                TensorElementType.Double => Slice<double>(output, start, count, own),
                TensorElementType.Int64 => Slice<long>(output, start, count, own),
                TensorElementType.Int32 => Slice<int>(output, start, count, own),
                TensorElementType.Bool => Slice<bool>(output, start, count, own),
                _ => SliceStrings(output, start, count, own),
            });
            row += rows;
        }
    }

    private static InferenceTensor<T> Slice<T>(OrtValue output, int start, int count, long[] shape)
        where T : unmanaged
        => new(output.GetTensorDataAsSpan<T>().Slice(start, count).ToArray(), shape);

    private static StringTensor SliceStrings(OrtValue output, int start, int count, long[] shape)
    {
        var strings = new string[count];
        for (var i = 0; i < count; i++)
        {
            strings[i] = output.GetStringElement(start + i);
        }

        return new StringTensor(strings, shape);
    }

    private static void ReturnRented(Array? rented)
    {
        switch (rented)
        {
            case float[] f:
                ArrayPool<float>.Shared.Return(f);
                break;
            case double[] d:
                ArrayPool<double>.Shared.Return(d);
                break;
            case long[] l:
                ArrayPool<long>.Shared.Return(l);
                break;
            case int[] i:
                ArrayPool<int>.Shared.Return(i);
                break;
            case bool[] b:
                ArrayPool<bool>.Shared.Return(b);
                break;
        }
    }

    private static bool AllFinite(InferenceTensor tensor)
    {
        switch (tensor)
        {
            case InferenceTensor<float> f:
                foreach (var v in f.Span)
                {
                    if (!float.IsFinite(v))
                    {
                        return false;
                    }
                }

                return true;
            case InferenceTensor<double> d:
                foreach (var v in d.Span)
                {
                    if (!double.IsFinite(v))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return true;
        }
    }

    private static TensorSpec[] Describe(IReadOnlyDictionary<string, NodeMetadata> metadata)
    {
        var specs = new List<TensorSpec>(metadata.Count);
        foreach (var (name, node) in metadata)
        {
            TensorElementKind? kind = node.OnnxValueType != OnnxValueType.ONNX_TYPE_TENSOR ? null : node.ElementDataType switch
            {
                TensorElementType.Float => TensorElementKind.Float,
                TensorElementType.Double => TensorElementKind.Double,
                TensorElementType.Int64 => TensorElementKind.Int64,
                TensorElementType.Int32 => TensorElementKind.Int32,
                TensorElementType.Bool => TensorElementKind.Bool,
                TensorElementType.String => TensorElementKind.String,
                _ => null,
            };
            var dimensions = node.OnnxValueType == OnnxValueType.ONNX_TYPE_TENSOR ? Array.ConvertAll(node.Dimensions, static d => (long)d) : [];
            var symbolic = node.OnnxValueType == OnnxValueType.ONNX_TYPE_TENSOR ? node.SymbolicDimensions : [];
            specs.Add(new TensorSpec(name, kind, dimensions, symbolic));
        }

        return [.. specs];
    }

    private static OnnxModel Load(byte[] bytes, string defaultName, string source, OnnxModelOptions? options, ILogger? logger)
    {
        options ??= new OnnxModelOptions();
        logger ??= NullLogger.Instance;
        string? fallbackReason = null;
        if (options.ExecutionProvider != ExecutionProvider.Cpu)
        {
            try
            {
                var cuda = Create(bytes, options, cuda: true, defaultName, ExecutionProvider.Cuda, null);
                LogLoaded(logger, cuda.Name, cuda.Version, ExecutionProvider.Cuda);
                return cuda;
            }
            catch (Exception ex) when (IsCudaUnavailable(ex))
            {
                if (options.ExecutionProvider == ExecutionProvider.Cuda)
                {
                    throw new ExecutionProviderUnavailableException(ExecutionProvider.Cuda, FirstLine(ex.Message), ex);
                }

                fallbackReason = $"{ex.GetType().Name}: {FirstLine(ex.Message)}";
                LogCudaFallback(logger, defaultName, fallbackReason);
            }
        }

        try
        {
            var model = Create(bytes, options, cuda: false, defaultName, ExecutionProvider.Cpu, fallbackReason);
            LogLoaded(logger, model.Name, model.Version, ExecutionProvider.Cpu);
            return model;
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelLoadException(source, $"ONNX Runtime rejected it ({FirstLine(ex.Message)}). Check that the file is a complete ONNX model of a supported opset.", ex);
        }
    }

    private static OnnxModel Create(byte[] bytes, OnnxModelOptions options, bool cuda, string defaultName, ExecutionProvider provider, string? fallbackReason)
    {
        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = options.GraphOptimization switch
            {
                GraphOptimization.None => GraphOptimizationLevel.ORT_DISABLE_ALL,
                GraphOptimization.Basic => GraphOptimizationLevel.ORT_ENABLE_BASIC,
                GraphOptimization.Extended => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                _ => GraphOptimizationLevel.ORT_ENABLE_ALL,
            },
            ExecutionMode = options.ParallelExecution ? ExecutionMode.ORT_PARALLEL : ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = options.InterOpThreads,
        };
        if (cuda)
        {
            using var cudaOptions = new OrtCUDAProviderOptions();
            var settings = new Dictionary<string, string>(options.CudaProviderOptions, StringComparer.Ordinal)
            {
                ["device_id"] = options.CudaDeviceId.ToString(CultureInfo.InvariantCulture),
            };
            cudaOptions.UpdateOptions(settings);
            sessionOptions.AppendExecutionProvider_CUDA(cudaOptions);
        }

        var session = new InferenceSession(bytes, sessionOptions);
        OnnxModel? model = null;
        try
        {
            model = new OnnxModel(session, options, defaultName, provider, fallbackReason);
            model.WarmUp(options.WarmupRuns);
            return model;
        }
        catch
        {
            if (model is null)
            {
                session.Dispose();
            }
            else
            {
                model.Dispose();
            }

            throw;
        }
    }

    private void WarmUp(int runs)
    {
        if (runs <= 0 || !CanBatch)
        {
            return;
        }

        var inputs = new KeyValuePair<string, InferenceTensor>[_inputs.Length];
        for (var i = 0; i < _inputs.Length; i++)
        {
            var spec = _inputs[i];
            var shape = new long[spec.Dimensions.Count];
            var count = 1L;
            for (var d = 0; d < shape.Length; d++)
            {
                shape[d] = d == 0 ? 1 : spec.Dimensions[d];
                if (shape[d] < 0)
                {
                    return; // a symbolic inner dimension: no shape to warm up with
                }

                count *= shape[d];
            }

            InferenceTensor? zeros = spec.ElementKind switch
            {
                TensorElementKind.Float => InferenceTensor.Create<float>(new float[count], shape),
                TensorElementKind.Double => InferenceTensor.Create<double>(new double[count], shape),
                TensorElementKind.Int64 => InferenceTensor.Create<long>(new long[count], shape),
                TensorElementKind.Int32 => InferenceTensor.Create<int>(new int[count], shape),
                TensorElementKind.Bool => InferenceTensor.Create<bool>(new bool[count], shape),
                _ => null,
            };
            if (zeros is null)
            {
                return;
            }

            inputs[i] = new(spec.Name, zeros);
        }

        var request = new InferenceRequest(inputs);
        using var runOptions = new RunOptions();
        var results = new InferenceResult[1];
        for (var run = 0; run < runs; run++)
        {
            RunBatch([request], 1, runOptions, results, default);
        }
    }

    private static bool IsCudaUnavailable(Exception ex) =>
        ex is EntryPointNotFoundException or DllNotFoundException or OnnxRuntimeException;

    private static string FirstLine(string message)
    {
        var end = message.AsSpan().IndexOfAny('\r', '\n');
        return end < 0 ? message : message[..end];
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Model '{Model}': the CUDA execution provider is unavailable, running on the CPU. {Reason}")]
    private static partial void LogCudaFallback(ILogger logger, string model, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Model '{Model}' version {Version} loaded on {Provider}.")]
    private static partial void LogLoaded(ILogger logger, string model, string version, ExecutionProvider provider);
}
