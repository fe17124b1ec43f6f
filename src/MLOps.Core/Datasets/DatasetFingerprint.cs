using System.Security.Cryptography;

namespace MLOps.Datasets;

/// <summary>
/// Computes dataset fingerprints (<see cref="DatasetRef"/>): SHA-256 of a file, or a deterministic digest of a whole
/// folder, streamed and (for folders) hashed in parallel. All members are thread-safe.
/// </summary>
/// <example>
/// <code>
/// var train = await DatasetFingerprint.ComputeAsync("data/train", new DatasetFingerprintOptions { RowCount = 120_000 });
/// Console.WriteLine($"{train.Name} {train.Sha256} {train.FileCount} files, {train.SizeBytes} bytes");
/// </code>
/// </example>
public static class DatasetFingerprint
{
    /// <summary>Fingerprints a file or a folder.</summary>
    /// <param name="path">A file or a folder; a relative path resolves against the current directory.</param>
    /// <param name="options">Name, row count, schema, exclusions, parallelism; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Stops the work between reads; the call then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The fingerprint.</returns>
    /// <remarks>
    /// <para><b>A file</b>: <see cref="DatasetRef.Sha256"/> is the SHA-256 of its bytes, as <c>sha256sum FILE</c> prints it.</para>
    /// <para><b>A folder</b>: the folder digest is defined as follows.</para>
    /// <list type="number">
    /// <item>Take every regular file under the folder, at any depth, except those under an excluded name
    /// (<see cref="DatasetFingerprintOptions.ExcludedNames"/>, by default <c>.git</c> and <c>.dvc</c>).</item>
    /// <item>Name each by its path relative to the folder, with <c>/</c> separators and no leading <c>./</c>.</item>
    /// <item>Sort the names by the bytes of their UTF-8 encoding (what <c>LC_ALL=C sort</c> does; the same as
    /// <see cref="string.CompareOrdinal(string, string)"/> except for characters beyond U+FFFF).</item>
    /// <item>For each file write the line GNU <c>sha256sum</c> (coreutils 9) prints: its SHA-256 in lowercase hex,
    /// two spaces, the name, <c>\n</c>. A name holding a backslash, LF or CR is escaped as <c>\\</c>, <c>\n</c>,
    /// <c>\r</c> and its line starts with a backslash.</item>
    /// <item>The digest is the SHA-256 of those lines, concatenated, in lowercase hex.</item>
    /// </list>
    /// <para>So it can be reproduced with coreutils (the <c>-r</c> matters for an empty folder):
    /// <c>cd FOLDER &amp;&amp; find . -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 -r sha256sum -- | sha256sum</c>.
    /// An empty folder (no files, at any depth) therefore has the SHA-256 of no bytes,
    /// <c>e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855</c>, the same as an empty file:
    /// <see cref="DatasetRef.IsDirectory"/> and <see cref="DatasetRef.FileCount"/> tell them apart. Empty folders
    /// inside a folder add nothing to its digest; file metadata (times, permissions) never does.</para>
    /// <para><b>Links</b> are never followed out of the folder. A link to a file inside the folder is hashed under
    /// the link's own name; a link to a folder is not descended (a target inside the folder is hashed under its own
    /// path, and cycles cannot arise); a link whose target is outside the folder or missing raises
    /// <see cref="DatasetLinkOutsideRootException"/>, or is left out when
    /// <see cref="DatasetFingerprintOptions.SkipLinksOutsideRoot"/> is set. When <paramref name="path"/> itself is a
    /// link, its target is fingerprinted. Named pipes and devices inside a folder are not supported.</para>
    /// <para>Files are read in <see cref="DatasetFingerprintOptions.BufferSize"/> chunks (two pooled buffers per file
    /// in flight, never a whole file), up to <see cref="DatasetFingerprintOptions.MaxDegreeOfParallelism"/> files at
    /// once. When <see cref="DatasetFingerprintOptions.LookUpDvcHash"/> is set, the MD5 that DVC recorded for the
    /// path is read from a sibling <c>PATH.dvc</c>, or else from the first <c>dvc.lock</c> that lists it (a stage's
    /// <c>outs</c> before any <c>deps</c>) in the folders from the path's own up to the repository root (the first
    /// folder holding <c>.dvc</c> or <c>.git</c>).</para>
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="DatasetNotFoundException">Nothing exists at <paramref name="path"/>.</exception>
    /// <exception cref="DatasetReadException">A file or folder could not be read.</exception>
    /// <exception cref="DatasetLinkOutsideRootException">A link leaves the folder.</exception>
    /// <exception cref="DvcFormatException">A <c>.dvc</c> or <c>dvc.lock</c> file met on the way is malformed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public static async Task<DatasetRef> ComputeAsync(string path, DatasetFingerprintOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new DatasetFingerprintOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDegreeOfParallelism, 1, nameof(options.MaxDegreeOfParallelism));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BufferSize, FileHasher.MinimumBufferSize, nameof(options.BufferSize));
        if (options.RowCount is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.RowCount, "DatasetFingerprintOptions.RowCount cannot be negative.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var fullPath = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var isDirectory = Directory.Exists(fullPath);
        if (!isDirectory && !File.Exists(fullPath))
        {
            throw new DatasetNotFoundException(path, fullPath);
        }

        string sha256;
        long size;
        int count;
        if (isDirectory)
        {
            var excluded = new HashSet<string>(options.ExcludedNames, StringComparer.Ordinal);
            var skipOutside = options.SkipLinksOutsideRoot;
            var files = await Task.Run(() => DatasetTree.Enumerate(fullPath, excluded, skipOutside, cancellationToken), cancellationToken).ConfigureAwait(false);
            var (digests, sizes) = await TreeHasher.HashAllAsync(files, HashAlgorithmName.SHA256, options.MaxDegreeOfParallelism, options.BufferSize, cancellationToken).ConfigureAwait(false);
            sha256 = FolderDigest.Compute(files, digests);
            size = 0;
            foreach (var s in sizes)
            {
                size += s;
            }

            count = files.Count;
        }
        else
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            size = await FileHasher.HashAsync(fullPath, hash, options.BufferSize, synchronousSmallFiles: false, cancellationToken).ConfigureAwait(false);
            sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            count = 1;
        }

        var dvc = options.LookUpDvcHash ? await DvcLookup.FindAsync(fullPath, cancellationToken).ConfigureAwait(false) : null;
        return new DatasetRef
        {
            Name = options.Name ?? Path.GetFileName(fullPath),
            Sha256 = sha256,
            SizeBytes = size,
            FileCount = count,
            IsDirectory = isDirectory,
            SourcePath = fullPath,
            RowCount = options.RowCount,
            Schema = options.Schema?.ToArray(),
            Dvc = dvc,
        };
    }

    /// <summary>
    /// Computes the SHA-256 of one file, streamed in 1 MiB reads (the same bytes <c>sha256sum FILE</c> hashes).
    /// For use by any package that needs a content hash (artifact stores, model files).
    /// </summary>
    /// <param name="filePath">The file.</param>
    /// <param name="cancellationToken">Stops the work between reads.</param>
    /// <returns>The SHA-256 in lowercase hex (64 characters).</returns>
    /// <exception cref="ArgumentException"><paramref name="filePath"/> is null or empty.</exception>
    /// <exception cref="DatasetReadException">The file could not be opened or read (including when it does not exist).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public static ValueTask<string> HashFileAsync(string filePath, CancellationToken cancellationToken = default) =>
        HashFileAsync(filePath, HashAlgorithmName.SHA256, FileHasher.DefaultBufferSize, cancellationToken);

    internal static async ValueTask<string> HashFileAsync(string filePath, HashAlgorithmName algorithm, int bufferSize, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        using var hash = IncrementalHash.CreateHash(algorithm);
        await FileHasher.HashAsync(filePath, hash, bufferSize, synchronousSmallFiles: false, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
