namespace MLOps.Inference.OpenInference;

/// <summary>Options of an <see cref="OpenInferenceClient"/> registered with <c>AddOpenInferenceClient</c>.</summary>
public sealed class OpenInferenceClientOptions
{
    /// <summary>Gets or sets the server's base address, for example <c>http://triton:8000/</c>. Required.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>Gets or sets the model this client calls. Required when registered in DI (defaults to the registration name there).</summary>
    public string? ModelName { get; set; }

    /// <summary>Gets or sets the model version to call; null (the default) lets the server choose.</summary>
    public string? ModelVersion { get; set; }

    /// <summary>
    /// Gets or sets whether tensors travel with Triton's binary tensor data extension (JSON header + raw bytes) rather
    /// than as JSON numbers. Default <see langword="true"/>: smaller, exact, and the only way to carry NaN. Set false for
    /// servers without the extension (plain KServe).
    /// </summary>
    public bool UseBinaryData { get; set; } = true;

    /// <summary>Gets or sets how many times a 503, 429, timeout or connection failure is retried. Default 3; 0 turns retries off.</summary>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>Gets or sets the first retry delay (exponential with jitter after it) when the server sends no <c>Retry-After</c>. Default 200 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Gets or sets the limit on one attempt. Default 30 s.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the largest response body accepted. Default 256 MiB.</summary>
    public long MaxResponseBytes { get; set; } = 256L * 1024 * 1024;
}
