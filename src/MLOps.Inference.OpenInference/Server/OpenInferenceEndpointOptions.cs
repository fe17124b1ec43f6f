namespace MLOps.Inference.OpenInference;

/// <summary>Options of the v2 endpoints mapped by <c>MapOpenInference</c>.</summary>
public sealed class OpenInferenceEndpointOptions
{
    /// <summary>Gets the names of the models to serve: each a keyed <see cref="DynamicBatcher"/> (<c>AddOnnxInference</c>) or keyed <see cref="Hosting.ModelHost"/> (<c>AddModelHost</c>). Empty by default; at least one is required.</summary>
    public IList<string> Models { get; } = new List<string>();

    /// <summary>Gets or sets the name <c>GET v2</c> reports. Default <c>mlops-dotnet</c>.</summary>
    public string ServerName { get; set; } = "mlops-dotnet";

    /// <summary>Gets or sets the version <c>GET v2</c> reports. Default: this package's informational version.</summary>
    public string ServerVersion { get; set; } = typeof(OpenInferenceEndpointOptions).Assembly.GetName().Version?.ToString() ?? "0";

    /// <summary>Gets or sets the <c>Retry-After</c> sent with a 503 (queue full or queue timeout). Default 1 s; rounded up to whole seconds.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the largest inference body accepted; larger ones get 413. Default 64 MiB.</summary>
    public long MaxRequestBytes { get; set; } = 64L * 1024 * 1024;
}
