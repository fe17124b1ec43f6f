namespace MLOps.Mlflow;

/// <summary>Where the MLflow tracking server is and how to authenticate and retry.</summary>
/// <remarks>
/// Credentials are never logged, never put in exception messages and never shown by <see cref="ToString"/>.
/// When <see cref="TrackingUri"/> or the credentials are not set, <see cref="ApplyEnvironment"/> reads MLflow's standard
/// variables (<c>MLFLOW_TRACKING_URI</c>, <c>MLFLOW_TRACKING_TOKEN</c>, <c>MLFLOW_TRACKING_USERNAME</c>/<c>PASSWORD</c>).
/// </remarks>
public sealed class MlflowOptions
{
    /// <summary>Gets or sets the tracking server, for example <c>http://mlflow:5000</c>. Required (or <c>MLFLOW_TRACKING_URI</c>).</summary>
    public Uri? TrackingUri { get; set; }

    /// <summary>Gets or sets a bearer token; it takes precedence over basic credentials, as in MLflow. Default none.</summary>
    public string? Token { get; set; }

    /// <summary>Gets or sets the basic-auth user name. Default none.</summary>
    public string? Username { get; set; }

    /// <summary>Gets or sets the basic-auth password. Default none.</summary>
    public string? Password { get; set; }

    /// <summary>Gets or sets how many times a transient failure (408, 429, 5xx, network) is retried. Default 7, MLflow's.</summary>
    public int MaxRetries { get; set; } = 7;

    /// <summary>Gets or sets the base delay of the exponential backoff (with jitter); a <c>Retry-After</c> header wins. Default 2 s.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets the timeout of one attempt. Default 120 s, MLflow's <c>MLFLOW_HTTP_REQUEST_TIMEOUT</c>.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Gets or sets the timeout of a call including all retries. Default 10 minutes.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets the folder, under the proxy's root, that the artifact store maps its paths into. Default empty (the root).</summary>
    public string ArtifactRoot { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets a value indicating whether <see cref="MlflowModelRegistry"/> fills <see cref="Registry.ModelVersion.Lineage"/>
    /// from the source run (<c>GET runs/get</c>: its latest metrics, params, <c>mlflow.source.git.commit</c> tag and
    /// training dataset) for a version that has a <c>run_id</c> but no <c>mlops.lineage.*</c> tags, as versions registered by
    /// Python MLflow have. Default <see langword="true"/>.
    /// </summary>
    /// <remarks>
    /// Costs one extra request per single-version read (<c>GetModelVersionAsync</c>, <c>GetVersionByAliasAsync</c>,
    /// <c>ResolveAsync</c>), only for such versions; list reads (<c>SearchModelVersionsAsync</c>, <c>GetLatestVersionsAsync</c>)
    /// and the results of writes never fetch runs. Set <see langword="false"/> when those versions' lineage is not needed
    /// (no <see cref="Registry.PromotionGate"/>) or the caller may not read the runs.
    /// </remarks>
    public bool LineageFromRun { get; set; } = true;

    /// <summary>Sets the tracking URI.</summary>
    /// <param name="trackingUri">The server.</param>
    /// <returns>These options.</returns>
    public MlflowOptions UseMlflow(Uri trackingUri)
    {
        ArgumentNullException.ThrowIfNull(trackingUri);
        TrackingUri = trackingUri;
        return this;
    }

    /// <summary>Fills unset values from MLflow's environment variables.</summary>
    /// <param name="getVariable">Reads a variable; default <see cref="Environment.GetEnvironmentVariable(string)"/>.</param>
    /// <returns>These options.</returns>
    public MlflowOptions ApplyEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        if (TrackingUri is null && getVariable("MLFLOW_TRACKING_URI") is { Length: > 0 } uri && Uri.TryCreate(uri, UriKind.Absolute, out var parsed))
        {
            TrackingUri = parsed;
        }

        if (Token is null && Username is null)
        {
            Token = NullIfEmpty(getVariable("MLFLOW_TRACKING_TOKEN"));
            Username = NullIfEmpty(getVariable("MLFLOW_TRACKING_USERNAME"));
            Password = NullIfEmpty(getVariable("MLFLOW_TRACKING_PASSWORD"));
        }

        return this;
    }

    /// <summary>Describes the options without any credential.</summary>
    /// <returns>The tracking URI and which kind of auth is set.</returns>
    public override string ToString()
    {
        var auth = Token is not null ? "bearer token (hidden)" : Username is not null ? "basic (hidden)" : "none";
        return $"MlflowOptions {{ TrackingUri = {TrackingUri?.GetLeftPart(UriPartial.Path)}, Auth = {auth} }}";
    }

    internal IEnumerable<string> Validate()
    {
        if (TrackingUri is null || !TrackingUri.IsAbsoluteUri || (TrackingUri.Scheme != Uri.UriSchemeHttp && TrackingUri.Scheme != Uri.UriSchemeHttps))
        {
            yield return "MlflowOptions.TrackingUri is not an absolute http(s) URI; set o.TrackingUri = new Uri(\"http://mlflow:5000\") or MLFLOW_TRACKING_URI.";
        }

        if (MaxRetries is < 0 or > 20)
        {
            yield return $"MlflowOptions.MaxRetries is {MaxRetries}; use 0 to 20.";
        }

        if (RetryBaseDelay < TimeSpan.Zero || AttemptTimeout <= TimeSpan.Zero || TotalTimeout < AttemptTimeout)
        {
            yield return "MlflowOptions: RetryBaseDelay must be non-negative, AttemptTimeout positive and TotalTimeout at least AttemptTimeout.";
        }
    }

    internal Dictionary<string, string> Secrets()
    {
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var s in (ReadOnlySpan<string?>)[Token, Password])
        {
            if (!string.IsNullOrEmpty(s))
            {
                secrets[s] = "***";
            }
        }

        return secrets;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
