using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace MLOps.Datasets;

/// <summary>
/// Computes hashes the way DVC 3.x records them, so a recorded <c>md5</c> can be checked against the data.
/// All members are thread-safe.
/// </summary>
/// <example>
/// <code>
/// var entry = DvcFile.Load("data/raw.csv.dvc").Outputs[0];
/// bool unchanged = entry.Md5 == await DvcHashes.ComputeFileMd5Async("data/raw.csv");
/// </code>
/// </example>
public static class DvcHashes
{
    private static readonly IReadOnlySet<string> DvcIgnoredByDefault = new HashSet<string>(StringComparer.Ordinal) { ".git", ".hg", ".dvc" };

    /// <summary>Computes the MD5 DVC 3.x records for a file (<c>hash: md5</c>): the plain MD5 of its bytes, as <c>md5sum</c> prints it.</summary>
    /// <param name="filePath">The file.</param>
    /// <param name="cancellationToken">Stops the work between reads.</param>
    /// <returns>32 lowercase hex digits.</returns>
    /// <remarks>
    /// DVC 2.x entries (no <c>hash</c> field) hashed text files after turning CRLF into LF; for those files the
    /// value can differ although the data did not change.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="filePath"/> is null or empty.</exception>
    /// <exception cref="DatasetReadException">The file could not be opened or read.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public static ValueTask<string> ComputeFileMd5Async(string filePath, CancellationToken cancellationToken = default) =>
        DatasetFingerprint.HashFileAsync(filePath, HashAlgorithmName.MD5, 1 << 20, cancellationToken);

    /// <summary>
    /// Computes the <c>.dir</c> MD5 DVC 3.x records for a folder: the MD5 of the JSON list
    /// <c>[{"md5": "&lt;file md5&gt;", "relpath": "&lt;a/b.csv&gt;"}, ...]</c>, sorted by <c>relpath</c>, written as
    /// Python's <c>json.dumps(..., sort_keys=True)</c> writes it (<c>", "</c> and <c>": "</c> separators, non-ASCII
    /// escaped as <c>\uXXXX</c>), followed by <c>.dir</c>.
    /// </summary>
    /// <param name="directoryPath">The folder.</param>
    /// <param name="cancellationToken">Stops the work between reads.</param>
    /// <returns>32 lowercase hex digits followed by <c>.dir</c>.</returns>
    /// <remarks>
    /// Leaves out what DVC leaves out by default (<c>.git</c>, <c>.hg</c> and <c>.dvc</c> at any depth) but does not
    /// read <c>.dvcignore</c> files: for a folder with ignore rules the value differs from DVC's. Links follow the
    /// rules of <see cref="DatasetFingerprint.ComputeAsync"/>; a link that leaves the folder raises an exception.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="directoryPath"/> is null or empty.</exception>
    /// <exception cref="DatasetNotFoundException">The folder does not exist.</exception>
    /// <exception cref="DatasetReadException">A file or folder could not be read.</exception>
    /// <exception cref="DatasetLinkOutsideRootException">A link leaves the folder.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    [SuppressMessage("Security", "CA5351:Do not use broken cryptographic algorithms", Justification = "DVC's identifier format, not a security measure; the dataset's own fingerprint is SHA-256.")]
    public static async Task<string> ComputeDirectoryMd5Async(string directoryPath, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directoryPath);
        var fullPath = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directoryPath));
        if (!Directory.Exists(fullPath))
        {
            throw new DatasetNotFoundException(directoryPath, fullPath);
        }

        var files = await Task.Run(() => DatasetTree.Enumerate(fullPath, DvcIgnoredByDefault, skipLinksOutsideRoot: false, cancellationToken), cancellationToken).ConfigureAwait(false);
        var (digests, _) = await TreeHasher.HashAllAsync(files, HashAlgorithmName.MD5, Environment.ProcessorCount, 1 << 20, cancellationToken).ConfigureAwait(false);

        var json = new StringBuilder("[");
        for (var i = 0; i < files.Count; i++)
        {
            json.Append(i == 0 ? "{\"md5\": \"" : ", {\"md5\": \"")
                .Append(Convert.ToHexStringLower(digests[i]))
                .Append("\", \"relpath\": \"");
            AppendPythonJsonString(json, files[i].RelativePath);
            json.Append("\"}");
        }

        json.Append(']');
        return Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(json.ToString()))) + ".dir";
    }

    /// <summary>Escapes like Python's <c>json.dumps</c> with <c>ensure_ascii=True</c> (characters outside space..~ become <c>\uXXXX</c>).</summary>
    private static void AppendPythonJsonString(StringBuilder json, string value)
    {
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => json.Append("\\\""),
                '\\' => json.Append("\\\\"),
                '\n' => json.Append("\\n"),
                '\r' => json.Append("\\r"),
                '\t' => json.Append("\\t"),
                '\b' => json.Append("\\b"),
                '\f' => json.Append("\\f"),
                < ' ' or > '~' => json.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)),
                _ => json.Append(c),
            };
        }
    }
}
