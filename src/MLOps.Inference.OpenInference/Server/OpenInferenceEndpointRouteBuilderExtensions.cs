using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MLOps;
using MLOps.Inference;
using MLOps.Inference.OpenInference;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the Open Inference Protocol (KServe v2) HTTP endpoints onto models registered with MLOps.Inference.</summary>
public static partial class OpenInferenceEndpointRouteBuilderExtensions
{
    /// <summary>Serves the named models over v2; see <see cref="MapOpenInference(IEndpointRouteBuilder, Action{OpenInferenceEndpointOptions})"/>.</summary>
    /// <param name="endpoints">The application's route builder.</param>
    /// <param name="models">The registration names of the models (keyed <see cref="DynamicBatcher"/> or <see cref="MLOps.Inference.Hosting.ModelHost"/>).</param>
    /// <returns>The <c>/v2</c> route group, to add authorization, rate limiting or other conventions.</returns>
    public static RouteGroupBuilder MapOpenInference(this IEndpointRouteBuilder endpoints, params string[] models)
    {
        ArgumentNullException.ThrowIfNull(models);
        return endpoints.MapOpenInference(o =>
        {
            foreach (var model in models)
            {
                o.Models.Add(model);
            }
        });
    }

    /// <summary>
    /// Serves models over the Open Inference Protocol: <c>GET /v2/health/live</c>, <c>GET /v2/health/ready</c>,
    /// <c>GET /v2</c>, <c>GET /v2/models/{name}[/versions/{v}]</c>, <c>GET …/ready</c> and <c>POST …/infer</c>, in JSON
    /// and with Triton's binary tensor data extension. Inference goes through the model's dynamic batcher (or model host).
    /// </summary>
    /// <param name="endpoints">The application's route builder.</param>
    /// <param name="configure">Names the models and sets the options.</param>
    /// <returns>The <c>/v2</c> route group, to add authorization, rate limiting or other conventions.</returns>
    /// <remarks>
    /// Errors are v2 bodies <c>{"error": "..."}</c>: 400 for a malformed request or input the model rejects, 404 for an
    /// unknown model or version, 413 for a body over <see cref="OpenInferenceEndpointOptions.MaxRequestBytes"/>, 503 with
    /// <c>Retry-After</c> for a full queue, a queue timeout or a host without an answer for a transient reason, and 500 for a
    /// model failure, whose details go to the log and never to the caller. Not-ready answers 400, as the v2 health API
    /// says ("4xx indicates false"). Request parameters <c>priority</c> (level) and <c>timeout</c> (µs in the queue) are
    /// passed to the batcher as Triton does.
    /// </remarks>
    /// <exception cref="ArgumentException">No model is named.</exception>
    /// <exception cref="InvalidOperationException">A named model has neither a keyed batcher nor a keyed host registered.</exception>
    public static RouteGroupBuilder MapOpenInference(this IEndpointRouteBuilder endpoints, Action<OpenInferenceEndpointOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new OpenInferenceEndpointOptions();
        configure(options);
        if (options.Models.Count == 0)
        {
            throw new ArgumentException("Name at least one model to serve (the name given to AddOnnxInference or AddModelHost).", nameof(configure));
        }

        var services = endpoints.ServiceProvider;
        var isKeyed = services.GetService<IServiceProviderIsKeyedService>();
        var models = new Dictionary<string, ServedModel>(StringComparer.Ordinal);
        foreach (var name in options.Models)
        {
            if (isKeyed is not null
                && !isKeyed.IsKeyedService(typeof(DynamicBatcher), name)
                && !isKeyed.IsKeyedService(typeof(MLOps.Inference.Hosting.ModelHost), name))
            {
                throw new InvalidOperationException($"No model is registered under '{name}'; call AddOnnxInference or AddModelHost with that name before MapOpenInference.");
            }

            models[name] = new ServedModel(name, services);
        }

        var logger = services.GetService<ILoggerFactory>()?.CreateLogger("MLOps.Inference.OpenInference") ?? NullLogger.Instance;
        var server = new Server(models, options, logger);
        var group = endpoints.MapGroup("/v2");
        group.MapGet("/", server.ServerMetadataAsync);
        group.MapGet("/health/live", static context => { context.Response.StatusCode = StatusCodes.Status200OK; return Task.CompletedTask; });
        group.MapGet("/health/ready", server.ServerReady);
        group.MapGet("/models/{model}", server.ModelMetadataAsync);
        group.MapGet("/models/{model}/versions/{version}", server.ModelMetadataAsync);
        group.MapGet("/models/{model}/ready", server.ModelReadyAsync);
        group.MapGet("/models/{model}/versions/{version}/ready", server.ModelReadyAsync);
        group.MapPost("/models/{model}/infer", server.InferAsync);
        group.MapPost("/models/{model}/versions/{version}/infer", server.InferAsync);
        return group;
    }

    private sealed partial class Server(Dictionary<string, ServedModel> models, OpenInferenceEndpointOptions options, ILogger logger)
    {
        public Task ServerReady(HttpContext context)
        {
            foreach (var model in models.Values)
            {
                if (!model.IsReady)
                {
                    context.Response.StatusCode = StatusCodes.Status400BadRequest;
                    return Task.CompletedTask;
                }
            }

            context.Response.StatusCode = StatusCodes.Status200OK;
            return Task.CompletedTask;
        }

        public Task ServerMetadataAsync(HttpContext context) => WriteJsonAsync(context, StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("name"u8, options.ServerName);
            writer.WriteString("version"u8, options.ServerVersion);
            writer.WritePropertyName("extensions"u8);
            writer.WriteStartArray();
            writer.WriteStringValue("binary_tensor_data"u8);
            writer.WriteEndArray();
            writer.WriteEndObject();
        });

        public Task ModelReadyAsync(HttpContext context)
        {
            if (Resolve(context, out var model) is { } notFound)
            {
                return notFound;
            }

            context.Response.StatusCode = model.IsReady ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest;
            return Task.CompletedTask;
        }

        public Task ModelMetadataAsync(HttpContext context)
        {
            if (Resolve(context, out var model) is { } notFound)
            {
                return notFound;
            }

            return WriteJsonAsync(context, StatusCodes.Status200OK, writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("name"u8, model.Name);
                writer.WritePropertyName("versions"u8);
                writer.WriteStartArray();
                if (model.Version is { } version)
                {
                    writer.WriteStringValue(version);
                }

                writer.WriteEndArray();
                writer.WriteString("platform"u8, "onnxruntime_onnx"u8);
                WriteSpecs(writer, "inputs"u8, model.Inputs);
                WriteSpecs(writer, "outputs"u8, model.Outputs);
                writer.WriteEndObject();
            });
        }

        public async Task InferAsync(HttpContext context)
        {
            if (Resolve(context, out var model) is { } notFound)
            {
                await notFound.ConfigureAwait(false);
                return;
            }

            var aborted = context.RequestAborted;
            try
            {
                var body = await ReadBodyAsync(context.Request, aborted).ConfigureAwait(false);
                if (body is null)
                {
                    await WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, $"The request body is larger than {options.MaxRequestBytes} bytes; send fewer rows per request.").ConfigureAwait(false);
                    return;
                }

                int? headerLength = null;
                if (context.Request.Headers.TryGetValue(WireCodec.HeaderLengthHeader, out var header))
                {
                    headerLength = int.TryParse(header.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                        ? parsed
                        : throw new WireFormatException($"{WireCodec.HeaderLengthHeader} '{header}' is not a byte count.");
                }

                var request = WireCodec.ReadRequest(body.Value, headerLength);
                var (priority, timeout) = BatcherParameters(request);
                var result = await model.InferAsync(new InferenceRequest(request.Inputs), priority, timeout, aborted).ConfigureAwait(false);
                var outputs = SelectOutputs(model.Name, result, request);
                var bytes = WireCodec.WriteResponse(model.Name, result.ModelVersion, request, outputs, out var responseHeaderLength);
                context.Response.StatusCode = StatusCodes.Status200OK;
                if (responseHeaderLength is { } length)
                {
                    context.Response.ContentType = "application/octet-stream";
                    context.Response.Headers[WireCodec.HeaderLengthHeader] = length.ToString(CultureInfo.InvariantCulture);
                }
                else
                {
                    context.Response.ContentType = "application/json";
                }

                context.Response.ContentLength = bytes.Length;
                await context.Response.Body.WriteAsync(bytes, aborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (aborted.IsCancellationRequested)
            {
                // The caller went away; nobody reads an answer.
            }
            catch (Exception ex) when (!context.Response.HasStarted)
            {
                var (status, message) = Map(model.Name, ex);
                if (status == StatusCodes.Status500InternalServerError)
                {
                    LogModelFailed(logger, model.Name, ex);
                }
                else if (status == StatusCodes.Status503ServiceUnavailable)
                {
                    LogBusy(logger, model.Name, ex.GetType().Name);
                    context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(options.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                }

                await WriteErrorAsync(context, status, message).ConfigureAwait(false);
            }
        }

        private static (int Status, string Message) Map(string model, Exception ex) => ex switch
        {
            WireFormatException => (StatusCodes.Status400BadRequest, ex.Message),
            InvalidInferenceInputException => (StatusCodes.Status400BadRequest, ex.Message),
            ArgumentException => (StatusCodes.Status400BadRequest, ex.Message),
            QueueFullException => (StatusCodes.Status503ServiceUnavailable, $"Model '{model}' has a full queue; retry later."),
            QueueTimeoutException => (StatusCodes.Status503ServiceUnavailable, $"The request to model '{model}' timed out in the queue; retry later."),
            NoAnswerException { IsTransient: true } => (StatusCodes.Status503ServiceUnavailable, $"Model '{model}' cannot answer now; retry later."),
            ObjectDisposedException => (StatusCodes.Status503ServiceUnavailable, $"Model '{model}' is shutting down; retry later."),
            _ => (StatusCodes.Status500InternalServerError, $"Model '{model}' failed to run the request; the server log has the details."),
        };

        private static (int Priority, TimeSpan? Timeout) BatcherParameters(WireRequest request)
        {
            var priority = 0;
            TimeSpan? timeout = null;
            if (request.Parameters is { } parameters)
            {
                if (parameters.TryGetValue("priority", out var p))
                {
                    priority = p is long l and >= 0 and <= int.MaxValue ? (int)l : throw new WireFormatException($"The parameter 'priority' is {p}; give a whole number, 0 for the default level.");
                }

                if (parameters.TryGetValue("timeout", out var t))
                {
                    timeout = t is long us and > 0 ? TimeSpan.FromMicroseconds(us) : throw new WireFormatException($"The parameter 'timeout' is {t}; give a positive number of microseconds.");
                }
            }

            return (priority, timeout);
        }

        private static IReadOnlyList<KeyValuePair<string, InferenceTensor>> SelectOutputs(string model, InferenceResult result, WireRequest request)
        {
            if (request.Outputs is not { Count: > 0 } requested)
            {
                return result.Outputs;
            }

            var selected = new List<KeyValuePair<string, InferenceTensor>>(requested.Count);
            foreach (var (name, _) in requested)
            {
                InferenceTensor? found = null;
                foreach (var (key, value) in result.Outputs)
                {
                    if (key == name)
                    {
                        found = value;
                    }
                }

                if (found is null)
                {
                    var names = new List<string>();
                    foreach (var (key, _) in result.Outputs)
                    {
                        names.Add(key);
                    }

                    throw new WireFormatException($"Model '{model}' has no output '{name}'; it has: {string.Join(", ", names)}.");
                }

                selected.Add(new(name, found));
            }

            return selected;
        }

        private Task? Resolve(HttpContext context, out ServedModel model)
        {
            var name = (string)context.Request.RouteValues["model"]!;
            if (!models.TryGetValue(name, out model!))
            {
                return WriteErrorAsync(context, StatusCodes.Status404NotFound, $"Unknown model '{name}'; this server serves: {string.Join(", ", models.Keys)}.");
            }

            if (context.Request.RouteValues.TryGetValue("version", out var v) && v is string version && version != model.Version)
            {
                return WriteErrorAsync(context, StatusCodes.Status404NotFound, $"Model '{name}' has no version '{version}'; it serves version '{model.Version ?? "(none loaded)"}'.");
            }

            return null;
        }

        private async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
        {
            if (request.ContentLength > options.MaxRequestBytes)
            {
                return null;
            }

            var buffer = new ArrayBufferWriter<byte>(request.ContentLength is { } length and > 0 ? (int)length : 4096);
            while (true)
            {
                var memory = buffer.GetMemory(8192);
                var read = await request.Body.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return buffer.WrittenMemory;
                }

                buffer.Advance(read);
                if (buffer.WrittenCount > options.MaxRequestBytes)
                {
                    return null;
                }
            }
        }

        private static void WriteSpecs(Utf8JsonWriter writer, ReadOnlySpan<byte> property, IReadOnlyList<TensorSpec>? specs)
        {
            writer.WritePropertyName(property);
            writer.WriteStartArray();
            foreach (var spec in specs ?? [])
            {
                writer.WriteStartObject();
                writer.WriteString("name"u8, spec.Name);
                writer.WriteString("datatype"u8, spec.ElementKind is { } kind ? OpenInferenceDatatypes.FromKind(kind) : "UNSUPPORTED");
                writer.WritePropertyName("shape"u8);
                writer.WriteStartArray();
                foreach (var dimension in spec.Dimensions)
                {
                    writer.WriteNumberValue(dimension < 0 ? -1 : dimension);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        private static async Task WriteJsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                write(writer);
            }

            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = buffer.WrittenCount;
            await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
        }

        private static Task WriteErrorAsync(HttpContext context, int status, string message)
        {
            var bytes = WireCodec.WriteError(message);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = bytes.Length;
            return context.Response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
        }

        [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Open Inference: model '{Model}' failed to run a request.")]
        private static partial void LogModelFailed(ILogger logger, string model, Exception exception);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Open Inference: model '{Model}' is busy ({Reason}); answered 503.")]
        private static partial void LogBusy(ILogger logger, string model, string reason);
    }
}
