using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Polly.Timeout;

namespace MLOps.Inference.OpenInference;

/// <summary>
/// A client of the Open Inference Protocol (KServe v2) over HTTP: health, metadata and inference against Triton,
/// KServe, or a .NET host that maps <c>MapOpenInference</c>. Implements <see cref="IInferenceClient"/>, so code
/// written for a local <see cref="DynamicBatcher"/> runs unchanged against a remote model.
/// </summary>
/// <remarks>
/// Thread-safe. It does not own the <see cref="HttpClient"/>. Retries and timeouts come from the HTTP pipeline:
/// <c>AddOpenInferenceClient</c> sets them up with Microsoft.Extensions.Http.Resilience (retry on 503/429 honouring
/// <c>Retry-After</c>, per-attempt timeout); a client built by hand with a bare <see cref="HttpClient"/> does not retry.
/// </remarks>
public sealed class OpenInferenceClient : IInferenceClient
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly MediaTypeHeaderValue OctetStream = new("application/octet-stream");

    private readonly HttpClient _http;
    private readonly OpenInferenceClientOptions _options;
    private readonly Uri _baseAddress;

    /// <summary>Creates a client.</summary>
    /// <param name="httpClient">The HTTP client; its handlers (retry, timeout) apply.</param>
    /// <param name="options">The server address and model; <see cref="OpenInferenceClientOptions.BaseAddress"/> falls back to the client's.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">No base address is given, or no model name.</exception>
    public OpenInferenceClient(HttpClient httpClient, OpenInferenceClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        var address = options.BaseAddress ?? httpClient.BaseAddress
            ?? throw new ArgumentException("Set OpenInferenceClientOptions.BaseAddress (for example http://triton:8000/).", nameof(options));
        if (string.IsNullOrWhiteSpace(options.ModelName))
        {
            throw new ArgumentException("Set OpenInferenceClientOptions.ModelName to the model this client calls.", nameof(options));
        }

        _http = httpClient;
        _options = options;
        _baseAddress = address.AbsoluteUri.EndsWith('/') ? address : new Uri(address.AbsoluteUri + "/");
    }

    /// <inheritdoc />
    public string ModelName => _options.ModelName!;

    /// <summary>Asks whether the server is live (<c>GET v2/health/live</c>); the status code is the answer.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>True on 2xx; false on 4xx or 503.</returns>
    /// <exception cref="OpenInferenceException">Another status, or no answer.</exception>
    public Task<bool> IsServerLiveAsync(CancellationToken cancellationToken = default) => GetBoolAsync("v2/health/live", cancellationToken);

    /// <summary>Asks whether the server is ready, that is all its models are (<c>GET v2/health/ready</c>).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>True on 2xx; false on 4xx or 503.</returns>
    /// <exception cref="OpenInferenceException">Another status, or no answer.</exception>
    public Task<bool> IsServerReadyAsync(CancellationToken cancellationToken = default) => GetBoolAsync("v2/health/ready", cancellationToken);

    /// <summary>Asks whether a model is ready (<c>GET v2/models/{name}[/versions/{v}]/ready</c>).</summary>
    /// <param name="modelName">The model; null uses <see cref="OpenInferenceClientOptions.ModelName"/>.</param>
    /// <param name="modelVersion">The version; null uses <see cref="OpenInferenceClientOptions.ModelVersion"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>True on 2xx; false on 4xx (including an unknown model) or 503.</returns>
    /// <exception cref="OpenInferenceException">Another status, or no answer.</exception>
    public Task<bool> IsModelReadyAsync(string? modelName = null, string? modelVersion = null, CancellationToken cancellationToken = default) =>
        GetBoolAsync(ModelPath(modelName, modelVersion) + "/ready", cancellationToken);

    /// <summary>Reads the server's metadata (<c>GET v2</c>).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Name, version and extensions.</returns>
    /// <exception cref="OpenInferenceException">An error status, a body that is not v2 metadata, or no answer.</exception>
    public async Task<ServerMetadata> GetServerMetadataAsync(CancellationToken cancellationToken = default)
    {
        const string path = "v2";
        using var document = await GetJsonAsync(path, cancellationToken).ConfigureAwait(false);
        var root = document.RootElement;
        try
        {
            return new ServerMetadata(
                root.GetProperty("name").GetString() ?? "",
                root.TryGetProperty("version", out var v) ? v.GetString() ?? "" : "",
                root.TryGetProperty("extensions", out var e) ? Strings(e) : []);
        }
        catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException)
        {
            throw new OpenInferenceException("GET " + path, HttpStatusCode.OK, "The body is not v2 server metadata: " + ex.Message, ex);
        }
    }

    /// <summary>Reads a model's metadata (<c>GET v2/models/{name}[/versions/{v}]</c>).</summary>
    /// <param name="modelName">The model; null uses <see cref="OpenInferenceClientOptions.ModelName"/>.</param>
    /// <param name="modelVersion">The version; null uses <see cref="OpenInferenceClientOptions.ModelVersion"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Name, versions, platform, inputs and outputs.</returns>
    /// <exception cref="OpenInferenceException">An error status (404 for an unknown model), a body that is not v2 metadata, or no answer.</exception>
    public async Task<ModelMetadata> GetModelMetadataAsync(string? modelName = null, string? modelVersion = null, CancellationToken cancellationToken = default)
    {
        var path = ModelPath(modelName, modelVersion);
        using var document = await GetJsonAsync(path, cancellationToken).ConfigureAwait(false);
        var root = document.RootElement;
        try
        {
            return new ModelMetadata(
                root.GetProperty("name").GetString() ?? "",
                root.TryGetProperty("versions", out var versions) ? Strings(versions) : [],
                root.TryGetProperty("platform", out var platform) ? platform.GetString() ?? "" : "",
                Tensors(root.GetProperty("inputs")),
                root.TryGetProperty("outputs", out var outputs) ? Tensors(outputs) : []);
        }
        catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new OpenInferenceException("GET " + path, HttpStatusCode.OK, "The body is not v2 model metadata: " + ex.Message, ex);
        }
    }

    /// <inheritdoc />
    async ValueTask<InferenceResult> IInferenceClient.InferAsync(InferenceRequest request, CancellationToken cancellationToken) =>
        (await InferAsync(request, null, cancellationToken).ConfigureAwait(false)).Result;

    /// <summary>Runs inference on the server (<c>POST v2/models/{name}[/versions/{v}]/infer</c>).</summary>
    /// <param name="request">The named input tensors; shapes and data describe the whole batch.</param>
    /// <param name="options">Model, version, id, parameters, outputs and encoding for this call; null uses the client's options.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The outputs, the echoed id and the response parameters.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is null.</exception>
    /// <exception cref="ArgumentException">A parameter value is not a string, number or boolean; or JSON encoding meets NaN.</exception>
    /// <exception cref="OpenInferenceException">An error status (with the server's message), a body that is not v2, or no answer.</exception>
    public async Task<OpenInferenceResponse> InferAsync(InferenceRequest request, OpenInferenceCallOptions? options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = ModelPath(options?.ModelName, options?.ModelVersion) + "/infer";
        var binary = options?.UseBinaryData ?? _options.UseBinaryData;
        var parameters = options is { Parameters.Count: > 0 } ? new Dictionary<string, object>(options.Parameters, StringComparer.Ordinal) : null;
        var outputs = options is { Outputs.Count: > 0 } ? options.Outputs.ToArray() : null;
        var body = WireCodec.WriteRequest(request, options?.Id, parameters, outputs, binary, out var headerLength);

        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(_baseAddress, path));
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = binary ? OctetStream : Json;
        if (binary)
        {
            content.Headers.TryAddWithoutValidation(WireCodec.HeaderLengthHeader, headerLength.ToString(CultureInfo.InvariantCulture));
        }

        message.Content = content;
        var operation = "POST " + path;
        using var response = await SendAsync(message, operation, cancellationToken).ConfigureAwait(false);
        var bytes = await ReadBodyAsync(response, operation, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new OpenInferenceException(operation, response.StatusCode, WireCodec.ReadError(bytes));
        }

        int? responseHeaderLength = null;
        if (response.Headers.TryGetValues(WireCodec.HeaderLengthHeader, out var values) || response.Content.Headers.TryGetValues(WireCodec.HeaderLengthHeader, out values))
        {
            responseHeaderLength = int.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw new OpenInferenceException(operation, response.StatusCode, $"The {WireCodec.HeaderLengthHeader} header is not a byte count.");
        }

        WireResponse wire;
        try
        {
            wire = WireCodec.ReadResponse(bytes, responseHeaderLength);
        }
        catch (WireFormatException ex)
        {
            throw new OpenInferenceException(operation, response.StatusCode, "The response is not a v2 inference response: " + ex.Message, ex);
        }

        var result = new InferenceResult(wire.Outputs, wire.ModelName, wire.ModelVersion ?? "");
        return new OpenInferenceResponse(result, wire.Id, wire.Parameters ?? new Dictionary<string, object>(StringComparer.Ordinal));
    }

    private string ModelPath(string? modelName, string? modelVersion)
    {
        var name = modelName ?? _options.ModelName!;
        var version = modelName is null ? modelVersion ?? _options.ModelVersion : modelVersion;
        var path = "v2/models/" + Uri.EscapeDataString(name);
        return version is null ? path : path + "/versions/" + Uri.EscapeDataString(version);
    }

    private async Task<bool> GetBoolAsync(string path, CancellationToken cancellationToken)
    {
        var operation = "GET " + path;
        using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(_baseAddress, path));
        using var response = await SendAsync(message, operation, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return true;
        }

        var code = (int)response.StatusCode;
        if (code is >= 400 and < 500 || response.StatusCode == HttpStatusCode.ServiceUnavailable)
        {
            return false;
        }

        var bytes = await ReadBodyAsync(response, operation, cancellationToken).ConfigureAwait(false);
        throw new OpenInferenceException(operation, response.StatusCode, WireCodec.ReadError(bytes));
    }

    private async Task<JsonDocument> GetJsonAsync(string path, CancellationToken cancellationToken)
    {
        var operation = "GET " + path;
        using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(_baseAddress, path));
        using var response = await SendAsync(message, operation, cancellationToken).ConfigureAwait(false);
        var bytes = await ReadBodyAsync(response, operation, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new OpenInferenceException(operation, response.StatusCode, WireCodec.ReadError(bytes));
        }

        try
        {
            return JsonDocument.Parse(bytes);
        }
        catch (JsonException ex)
        {
            throw new OpenInferenceException(operation, response.StatusCode, "The body is not JSON.", ex);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage message, string operation, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new OpenInferenceException(operation, null, null, ex);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new OpenInferenceException(operation, null, null, ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient.Timeout elapsed.
            throw new OpenInferenceException(operation, null, null, ex);
        }
    }

    private async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, string operation, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > _options.MaxResponseBytes)
        {
            throw new OpenInferenceException(operation, response.StatusCode, $"The response has {response.Content.Headers.ContentLength} bytes, more than MaxResponseBytes ({_options.MaxResponseBytes}).");
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > _options.MaxResponseBytes)
                {
                    throw new OpenInferenceException(operation, response.StatusCode, $"The response is larger than MaxResponseBytes ({_options.MaxResponseBytes}).");
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
    }

    private static string[] Strings(JsonElement array)
    {
        var result = new string[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            result[i++] = item.GetString() ?? "";
        }

        return result;
    }

    private static TensorMetadata[] Tensors(JsonElement array)
    {
        var result = new TensorMetadata[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            var shape = item.GetProperty("shape");
            var dimensions = new long[shape.GetArrayLength()];
            var j = 0;
            foreach (var d in shape.EnumerateArray())
            {
                dimensions[j++] = d.GetInt64();
            }

            result[i++] = new TensorMetadata(item.GetProperty("name").GetString() ?? "", item.GetProperty("datatype").GetString() ?? "", dimensions);
        }

        return result;
    }
}
