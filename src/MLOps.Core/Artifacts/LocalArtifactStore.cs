using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;

namespace MLOps.Artifacts;

/// <summary>
/// An <see cref="IArtifactStore"/> on a local folder: content-addressed blobs plus one small pointer file per
/// logical path.
/// </summary>
/// <remarks>
/// <para>Layout under <see cref="RootDirectory"/>:</para>
/// <list type="bullet">
/// <item><description><c>blobs/sha256/ab/abcdef…</c>: each distinct content once, named by its SHA-256.</description></item>
/// <item><description><c>refs/&lt;logical path&gt;</c>: a JSON pointer <c>{"sha256":…,"length":…,"created":…}</c>.</description></item>
/// <item><description><c>tmp/</c>: files being written; never visible as artifacts.</description></item>
/// </list>
/// <para>
/// A put streams into <c>tmp/</c> while hashing, flushes to disk, renames the file to its blob name (or drops it
/// when that content is already stored), then writes the pointer the same way and renames it over the old one.
/// Each rename is atomic, so a reader sees the old artifact or the new one, and a writer killed at any point
/// leaves only an orphan in <c>tmp/</c> that <see cref="CollectGarbageAsync"/> removes.
/// </para>
/// <para>Thread-safe, and safe for several processes sharing one root.</para>
/// </remarks>
public sealed class LocalArtifactStore : IArtifactStore
{
    private const int MinBufferSize = 4 << 10;
    private const int MaxBufferSize = 64 << 20;
    private const int MaxRefFileBytes = 4096;

    private readonly string _refsRoot;
    private readonly string _blobsRoot;
    private readonly string _tempRoot;
    private readonly int _bufferSize;
    private readonly bool _flushToDisk;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a store rooted at a folder, creating the folder when missing.</summary>
    /// <param name="rootDirectory">The folder that holds the store.</param>
    /// <param name="timeProvider">The clock for <see cref="ArtifactInfo.CreatedAt"/>; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="rootDirectory"/> is empty.</exception>
    public LocalArtifactStore(string rootDirectory, TimeProvider? timeProvider = null)
        : this(new LocalArtifactStoreOptions { RootDirectory = rootDirectory }, timeProvider)
    {
    }

    /// <summary>Creates a store from options, creating the folder when missing.</summary>
    /// <param name="options">The options; <see cref="LocalArtifactStoreOptions.RootDirectory"/> must be set.</param>
    /// <param name="timeProvider">The clock for <see cref="ArtifactInfo.CreatedAt"/>; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The root is not set, or the buffer size is out of range.</exception>
    public LocalArtifactStore(LocalArtifactStoreOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.RootDirectory, "options.RootDirectory");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BufferSize, MinBufferSize, "options.BufferSize");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.BufferSize, MaxBufferSize, "options.BufferSize");

        RootDirectory = Path.GetFullPath(options.RootDirectory);
        _refsRoot = Path.Combine(RootDirectory, "refs");
        _blobsRoot = Path.Combine(RootDirectory, "blobs", "sha256");
        _tempRoot = Path.Combine(RootDirectory, "tmp");
        _bufferSize = options.BufferSize;
        _flushToDisk = options.FlushToDisk;
        _timeProvider = timeProvider ?? TimeProvider.System;
        Directory.CreateDirectory(_refsRoot);
        Directory.CreateDirectory(_blobsRoot);
        Directory.CreateDirectory(_tempRoot);
    }

    /// <summary>Gets the absolute folder that holds the store.</summary>
    public string RootDirectory { get; }

    /// <inheritdoc />
    public async ValueTask<ArtifactInfo> PutAsync(string path, Stream content, CancellationToken cancellationToken = default)
    {
        ArtifactPath.Validate(path);
        ArgumentNullException.ThrowIfNull(content);
        ThrowIfConflicting(path);

        var (sha256, length) = await WriteBlobAsync(content, cancellationToken).ConfigureAwait(false);
        var info = new ArtifactInfo(path, sha256, length, _timeProvider.GetUtcNow());
        await WriteRefAsync(info, cancellationToken).ConfigureAwait(false);
        return info;
    }

    /// <inheritdoc />
    public async ValueTask<Stream> OpenReadAsync(string path, bool verify = false, CancellationToken cancellationToken = default)
    {
        var info = await GetInfoAsync(path, cancellationToken).ConfigureAwait(false) ?? throw new ArtifactNotFoundException(path);
        Stream blob;
        try
        {
            blob = OpenBlobCore(info.Sha256);
        }
        catch (FileNotFoundException ex)
        {
            throw new ArtifactIntegrityException(path, info.Sha256, "nothing: the blob file is missing") { Data = { ["blob"] = ex.FileName } };
        }

        return verify ? new VerifyingReadStream(blob, info) : blob;
    }

    /// <summary>Opens the content with a given SHA-256 directly, whatever path names it.</summary>
    /// <param name="sha256">The SHA-256, lowercase hex (64 characters).</param>
    /// <returns>A read-only stream the caller disposes.</returns>
    /// <exception cref="ArgumentException"><paramref name="sha256"/> is not 64 lowercase hex digits.</exception>
    /// <exception cref="FileNotFoundException">No content with that digest is stored.</exception>
    public Stream OpenBlob(string sha256)
    {
        if (!IsSha256Hex(sha256))
        {
            throw new ArgumentException($"'{sha256}' is not a SHA-256 digest; pass 64 lowercase hexadecimal digits.", nameof(sha256));
        }

        return OpenBlobCore(sha256);
    }

    /// <inheritdoc />
    public async ValueTask<ArtifactInfo?> GetInfoAsync(string path, CancellationToken cancellationToken = default)
    {
        ArtifactPath.Validate(path);
        var refFile = RefFile(path);
        if (!File.Exists(refFile))
        {
            return null;
        }

        try
        {
            return await ReadRefAsync(path, refFile, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            return null; // deleted between the check and the read
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> ExistsAsync(string path, CancellationToken cancellationToken = default)
    {
        ArtifactPath.Validate(path);
        return ValueTask.FromResult(File.Exists(RefFile(path)));
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ArtifactInfo> ListAsync(string? prefix = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string start;
        if (string.IsNullOrEmpty(prefix))
        {
            start = _refsRoot;
            prefix = null;
        }
        else
        {
            prefix = prefix.TrimEnd('/');
            ArtifactPath.Validate(prefix);
            start = RefFile(prefix);
            if (File.Exists(start))
            {
                var single = await GetInfoAsync(prefix, cancellationToken).ConfigureAwait(false);
                if (single is not null)
                {
                    yield return single;
                }

                yield break;
            }
        }

        if (!Directory.Exists(start))
        {
            yield break;
        }

        await foreach (var info in ListFolderAsync(start, prefix, cancellationToken).ConfigureAwait(false))
        {
            yield return info;
        }
    }

    /// <summary>
    /// Walks one folder depth-first. Each level is sorted with folders keyed as "name/", which puts full paths in
    /// ordinal order without holding the whole listing in memory.
    /// </summary>
    private static async IAsyncEnumerable<ArtifactInfo> ListFolderAsync(string directory, string? logical, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var entries = new List<(string Key, FileSystemInfo Entry)>();
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
        {
            entries.Add((entry is DirectoryInfo ? entry.Name + "/" : entry.Name, entry));
        }

        entries.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (var (_, entry) in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var childLogical = logical is null ? entry.Name : logical + "/" + entry.Name;
            if (entry is DirectoryInfo)
            {
                await foreach (var info in ListFolderAsync(entry.FullName, childLogical, cancellationToken).ConfigureAwait(false))
                {
                    yield return info;
                }

                continue;
            }

            if (!ArtifactPath.IsValid(childLogical, out _))
            {
                continue; // a stray file someone put under refs/ by hand
            }

            ArtifactInfo? found;
            try
            {
                found = await ReadRefAsync(childLogical, entry.FullName, cancellationToken).ConfigureAwait(false);
            }
            catch (FileNotFoundException)
            {
                found = null; // deleted while listing
            }

            if (found is not null)
            {
                yield return found;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        ArtifactPath.Validate(path);
        var refFile = RefFile(path);
        if (!File.Exists(refFile))
        {
            return ValueTask.FromResult(false);
        }

        try
        {
            File.Delete(refFile);
        }
        catch (DirectoryNotFoundException)
        {
            return ValueTask.FromResult(false);
        }

        PruneEmptyFolders(Path.GetDirectoryName(refFile)!);
        return ValueTask.FromResult(true);
    }

    /// <summary>
    /// Deletes blobs that no path names any more and temporary files left by interrupted writers,
    /// when they are older than <paramref name="minimumAge"/>.
    /// </summary>
    /// <param name="minimumAge">
    /// Only files last written longer ago than this are removed, so writes in flight are never touched.
    /// Use at least the longest time a put may take; <see cref="TimeSpan.Zero"/> only when no writer runs.
    /// </param>
    /// <param name="cancellationToken">Cancels the collection; what was deleted stays deleted.</param>
    /// <returns>What was removed.</returns>
    public async ValueTask<ArtifactGarbageReport> CollectGarbageAsync(TimeSpan minimumAge, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumAge, TimeSpan.Zero);
        var cutoff = _timeProvider.GetUtcNow().UtcDateTime - minimumAge;

        var referenced = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var info in ListAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            referenced.Add(info.Sha256);
        }

        var blobs = 0;
        var bytes = 0L;
        foreach (var blob in new DirectoryInfo(_blobsRoot).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (referenced.Contains(blob.Name) || blob.LastWriteTimeUtc > cutoff)
            {
                continue;
            }

            var length = blob.Length;
            blob.Delete();
            blobs++;
            bytes += length;
        }

        var temps = 0;
        foreach (var temp in new DirectoryInfo(_tempRoot).EnumerateFiles())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (temp.LastWriteTimeUtc <= cutoff)
            {
                temp.Delete();
                temps++;
            }
        }

        return new ArtifactGarbageReport(blobs, bytes, temps);
    }

    private async ValueTask<(string Sha256, long Length)> WriteBlobAsync(Stream content, CancellationToken cancellationToken)
    {
        var tempFile = NewTempFile(".blob");
        string sha256;
        long length = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(_bufferSize);
        try
        {
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var output = new FileStream(tempFile, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
                await using (output.ConfigureAwait(false))
                {
                    int read;
                    while ((read = await content.ReadAsync(buffer.AsMemory(0, _bufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        hash.AppendData(buffer, 0, read);
                        await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                        length += read;
                    }

                    if (_flushToDisk)
                    {
                        output.Flush(flushToDisk: true);
                    }
                }

                sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            }

            var blobFile = BlobFile(sha256);
            if (File.Exists(blobFile))
            {
                File.Delete(tempFile); // the same content is already stored
                File.SetLastWriteTimeUtc(blobFile, _timeProvider.GetUtcNow().UtcDateTime);
            }
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(blobFile)!);
                try
                {
                    // Blob ages are read on the injected clock, as garbage collection reads them.
                    File.SetLastWriteTimeUtc(tempFile, _timeProvider.GetUtcNow().UtcDateTime);
                    File.Move(tempFile, blobFile, overwrite: false);
                }
                catch (IOException) when (File.Exists(blobFile))
                {
                    File.Delete(tempFile); // a concurrent writer stored the same content first
                }
            }
        }
        catch
        {
            TryDelete(tempFile);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return (sha256, length);
    }

    private async ValueTask WriteRefAsync(ArtifactInfo info, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(
            new RefDocument(info.Sha256, info.Length, info.CreatedAt.ToString("O", CultureInfo.InvariantCulture)),
            RefJsonContext.Default.RefDocument);

        var tempFile = NewTempFile(".ref");
        try
        {
            var output = new FileStream(tempFile, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
            await using (output.ConfigureAwait(false))
            {
                await output.WriteAsync(json, cancellationToken).ConfigureAwait(false);
                if (_flushToDisk)
                {
                    output.Flush(flushToDisk: true);
                }
            }

            var refFile = RefFile(info.Path);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(refFile)!);
                    File.Move(tempFile, refFile, overwrite: true);
                    return;
                }
                catch (DirectoryNotFoundException) when (attempt < 3)
                {
                    // A concurrent delete pruned the folder between creating it and the rename: create it again.
                }
                catch (IOException ex) when (ex is not DirectoryNotFoundException)
                {
                    var conflict = FindConflict(info.Path);
                    if (conflict is not null)
                    {
                        throw new ArtifactPathConflictException(info.Path, conflict);
                    }

                    throw;
                }
                catch (UnauthorizedAccessException) when (Directory.Exists(refFile))
                {
                    throw new ArtifactPathConflictException(info.Path, info.Path + "/");
                }
            }
        }
        catch
        {
            TryDelete(tempFile);
            throw;
        }
    }

    private static async ValueTask<ArtifactInfo?> ReadRefAsync(string path, string refFile, CancellationToken cancellationToken)
    {
        var bytes = await File.ReadAllBytesAsync(refFile, cancellationToken).ConfigureAwait(false);
        if (bytes.Length > MaxRefFileBytes)
        {
            throw new ArtifactIntegrityException(path, "a pointer of at most 4096 bytes", $"a {bytes.Length}-byte pointer file");
        }

        RefDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(bytes, RefJsonContext.Default.RefDocument);
        }
        catch (JsonException ex)
        {
            throw new ArtifactIntegrityException(path, "a JSON pointer", "an unreadable pointer file") { Data = { ["error"] = ex.Message } };
        }

        if (document is null || !IsSha256Hex(document.Sha256) || document.Length < 0
            || !DateTimeOffset.TryParse(document.Created, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var created))
        {
            throw new ArtifactIntegrityException(path, "a pointer with sha256, length and created", "a pointer with missing or malformed fields");
        }

        return new ArtifactInfo(path, document.Sha256, document.Length, created);
    }

    private void ThrowIfConflicting(string path)
    {
        var conflict = FindConflict(path);
        if (conflict is not null)
        {
            throw new ArtifactPathConflictException(path, conflict);
        }
    }

    private string? FindConflict(string path)
    {
        if (Directory.Exists(RefFile(path)))
        {
            return path + "/";
        }

        for (var slash = path.IndexOf('/'); slash >= 0; slash = path.IndexOf('/', slash + 1))
        {
            var ancestor = path[..slash];
            if (File.Exists(RefFile(ancestor)))
            {
                return ancestor;
            }
        }

        return null;
    }

    private void PruneEmptyFolders(string directory)
    {
        while (directory.Length > _refsRoot.Length && directory.StartsWith(_refsRoot, StringComparison.Ordinal))
        {
            try
            {
                Directory.Delete(directory, recursive: false);
            }
            catch (IOException)
            {
                return; // not empty, or already gone
            }

            directory = Path.GetDirectoryName(directory)!;
        }
    }

    private FileStream OpenBlobCore(string sha256) =>
        new(BlobFile(sha256), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, _bufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);

    private string RefFile(string path) => Path.Combine(_refsRoot, path);

    private string BlobFile(string sha256) => Path.Combine(_blobsRoot, sha256[..2], sha256);

    private string NewTempFile(string extension) => Path.Combine(_tempRoot, Guid.NewGuid().ToString("N") + extension);

    private static bool IsSha256Hex(string? value)
    {
        if (value is null || value.Length != 64)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>What <see cref="LocalArtifactStore.CollectGarbageAsync"/> removed.</summary>
/// <param name="BlobsDeleted">Blobs that no path named.</param>
/// <param name="BytesFreed">Their total size in bytes.</param>
/// <param name="TempFilesDeleted">Files left in <c>tmp/</c> by interrupted writers.</param>
public sealed record ArtifactGarbageReport(int BlobsDeleted, long BytesFreed, int TempFilesDeleted);
