using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using MLOps.Artifacts;

namespace MLOps.Mlflow;

/// <summary>
/// An <see cref="IArtifactStore"/> over MLflow's <c>mlflow-artifacts</c> proxy (a server started with
/// <c>--serve-artifacts</c>): uploads and downloads are streamed, never buffered whole.
/// </summary>
/// <remarks>
/// <para>
/// Logical paths map to <c>/api/2.0/mlflow-artifacts/artifacts/&lt;root&gt;/&lt;path&gt;</c>; the matching MLflow URI is
/// <c>mlflow-artifacts:/&lt;root&gt;/&lt;path&gt;</c> (<see cref="ToMlflowUri"/>).
/// </para>
/// <para>
/// What MLflow cannot back: the proxy keeps no digest, so <see cref="PutAsync"/> returns the SHA-256 it computed
/// while streaming, but <see cref="GetInfoAsync"/> and <see cref="ListAsync"/> return an empty
/// <see cref="ArtifactInfo.Sha256"/> and the upload time is unknown (<see cref="DateTimeOffset.UnixEpoch"/>);
/// <see cref="OpenReadAsync"/> with <c>verify: true</c> throws <see cref="MlflowNotSupportedException"/>. A put is
/// as atomic as the server's artifact store makes it; there is no content de-duplication.
/// </para>
/// </remarks>
public sealed class MlflowArtifactStore : IArtifactStore
{
    private readonly MlflowClient _client;
    private readonly string _root;
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance of the <see cref="MlflowArtifactStore"/> class.</summary>
    /// <param name="client">The REST client.</param>
    /// <param name="root">The folder under the proxy's root that logical paths live in; empty for the root.</param>
    /// <param name="timeProvider">The clock for <see cref="ArtifactInfo.CreatedAt"/> of puts; default system.</param>
    public MlflowArtifactStore(MlflowClient client, string? root = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _root = (root ?? string.Empty).Trim('/');
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets the <c>mlflow-artifacts:/</c> URI of a logical path.</summary>
    /// <param name="path">The logical path.</param>
    /// <returns>For example <c>mlflow-artifacts:/models/m/1/model.onnx</c>.</returns>
    public string ToMlflowUri(string path) => "mlflow-artifacts:/" + Full(path);

    /// <summary>Maps an <c>mlflow-artifacts:</c> URI to the proxy address under a tracking server (MLflow's rules).</summary>
    /// <param name="artifactUri"><c>mlflow-artifacts:/p</c> (on the tracking server) or <c>mlflow-artifacts://host:port/p</c>.</param>
    /// <param name="trackingUri">The tracking server.</param>
    /// <returns>The HTTP address of the artifact.</returns>
    /// <exception cref="ArgumentException">The URI is not an <c>mlflow-artifacts:</c> URI.</exception>
    public static Uri ResolveMlflowArtifactsUri(Uri artifactUri, Uri trackingUri)
    {
        ArgumentNullException.ThrowIfNull(artifactUri);
        ArgumentNullException.ThrowIfNull(trackingUri);
        if (!string.Equals(artifactUri.Scheme, "mlflow-artifacts", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"'{artifactUri}' is not an mlflow-artifacts: URI.", nameof(artifactUri));
        }

        var path = artifactUri.AbsolutePath.TrimStart('/');
        if (!string.IsNullOrEmpty(artifactUri.Host))
        {
            var port = artifactUri.IsDefaultPort ? string.Empty : ":" + artifactUri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return new Uri($"{trackingUri.Scheme}://{artifactUri.Host}{port}/api/2.0/mlflow-artifacts/artifacts/{path}");
        }

        return new Uri(trackingUri.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/api/2.0/mlflow-artifacts/artifacts/" + path);
    }

    /// <inheritdoc/>
    public async ValueTask<ArtifactInfo> PutAsync(string path, Stream content, CancellationToken cancellationToken = default)
    {
        ArtifactPathCheck(path);
        ArgumentNullException.ThrowIfNull(content);
        using var hashing = new HashingStream(content);
        await _client.UploadArtifactAsync(Full(path), hashing, cancellationToken).ConfigureAwait(false);
        return new ArtifactInfo(path, hashing.HexDigest(), hashing.BytesRead, _time.GetUtcNow());
    }

    /// <inheritdoc/>
    public async ValueTask<Stream> OpenReadAsync(string path, bool verify = false, CancellationToken cancellationToken = default)
    {
        ArtifactPathCheck(path);
        if (verify)
        {
            throw new MlflowNotSupportedException("IArtifactStore.OpenReadAsync(verify: true)", "the mlflow-artifacts proxy keeps no digest to verify against; open without verify, or keep the SHA-256 from PutAsync and compare it yourself.");
        }

        try
        {
            return await _client.DownloadArtifactAsync(Full(path), cancellationToken).ConfigureAwait(false);
        }
        catch (MlflowException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            throw new ArtifactNotFoundException(path);
        }
    }

    /// <inheritdoc/>
    public async ValueTask<ArtifactInfo?> GetInfoAsync(string path, CancellationToken cancellationToken = default)
    {
        ArtifactPathCheck(path);
        var slash = path.LastIndexOf('/');
        var folder = slash < 0 ? string.Empty : path[..slash];
        IReadOnlyList<MlflowFileInfo> files;
        try
        {
            files = await _client.ListArtifactsAsync(Full(folder), cancellationToken).ConfigureAwait(false);
        }
        catch (MlflowException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        var name = path[(slash + 1)..];
        foreach (var f in files)
        {
            if (!f.IsDirectory && (f.Path == name || f.Path.EndsWith("/" + name, StringComparison.Ordinal)))
            {
                return new ArtifactInfo(path, string.Empty, f.Length, DateTimeOffset.UnixEpoch);
            }
        }

        return null;
    }

    /// <inheritdoc/>
    public async ValueTask<bool> ExistsAsync(string path, CancellationToken cancellationToken = default) =>
        await GetInfoAsync(path, cancellationToken).ConfigureAwait(false) is not null;

    /// <inheritdoc/>
    public async IAsyncEnumerable<ArtifactInfo> ListAsync(string? prefix = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var results = new List<ArtifactInfo>();
        var pending = new Stack<string>();
        pending.Push((prefix ?? string.Empty).Trim('/'));
        while (pending.Count > 0)
        {
            var folder = pending.Pop();
            IReadOnlyList<MlflowFileInfo> files;
            try
            {
                files = await _client.ListArtifactsAsync(Full(folder), cancellationToken).ConfigureAwait(false);
            }
            catch (MlflowException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                continue;
            }

            foreach (var f in files)
            {
                // The proxy returns paths relative to the listed folder (MLflow's FileInfo.path).
                var name = f.Path.Contains('/', StringComparison.Ordinal) ? f.Path[(f.Path.LastIndexOf('/') + 1)..] : f.Path;
                var logical = folder.Length == 0 ? name : folder + "/" + name;
                if (f.IsDirectory)
                {
                    pending.Push(logical);
                }
                else
                {
                    results.Add(new ArtifactInfo(logical, string.Empty, f.Length, DateTimeOffset.UnixEpoch));
                }
            }
        }

        results.Sort(static (a, b) => string.CompareOrdinal(a.Path, b.Path));
        foreach (var r in results)
        {
            yield return r;
        }
    }

    /// <inheritdoc/>
    public async ValueTask<bool> DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        ArtifactPathCheck(path);
        try
        {
            await _client.DeleteArtifactAsync(Full(path), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (MlflowException ex) when (ex.StatusCode == HttpStatusCode.NotFound || ex.ErrorCode == MLOps.Tracking.MlflowErrorCode.ResourceDoesNotExist)
        {
            return false;
        }
    }

    private string Full(string path)
    {
        path = path.Trim('/');
        return _root.Length == 0 ? path : path.Length == 0 ? _root : _root + "/" + path;
    }

    private static void ArtifactPathCheck(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        foreach (var segment in path.Split('/'))
        {
            if (segment is "" or "." or "..")
            {
                throw new InvalidArtifactPathException(path, "empty, '.' and '..' segments are not allowed");
            }
        }
    }

    /// <summary>Hashes and counts bytes as the HTTP handler reads them, so nothing is buffered.</summary>
    private sealed class HashingStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public string HexDigest() => Convert.ToHexStringLower(_hash.GetHashAndReset());

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            _hash.AppendData(buffer[..n]);
            BytesRead += n;
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            _hash.AppendData(buffer.Span[..n]);
            BytesRead += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
