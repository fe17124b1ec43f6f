using MLOps.Datasets.Yaml;

namespace MLOps.Datasets;

/// <summary>
/// A <c>.dvc</c> file, as written by <c>dvc add</c>, <c>dvc import</c> or <c>dvc import-url</c>: the data it tracks
/// (<see cref="Outputs"/>) with their recorded MD5s.
/// </summary>
/// <example>
/// <code>
/// var dvc = DvcFile.Load("data/train.csv.dvc");
/// var recorded = dvc.Outputs[0].Md5;
/// var actual = await DvcHashes.ComputeFileMd5Async(dvc.GetFullPath(dvc.Outputs[0]));
/// </code>
/// </example>
/// <remarks>Immutable and thread-safe once loaded. Fields other than <c>outs</c>, <c>deps</c> and <c>wdir</c> are ignored.</remarks>
public sealed class DvcFile
{
    private DvcFile(string filePath, string? workingDirectory, IReadOnlyList<DvcEntry> outputs, IReadOnlyList<DvcEntry> dependencies)
    {
        FilePath = filePath;
        WorkingDirectory = workingDirectory;
        Outputs = outputs;
        Dependencies = dependencies;
    }

    /// <summary>Gets the path of the file, as given to <see cref="Load"/> or <see cref="Parse"/>.</summary>
    public string FilePath { get; }

    /// <summary>Gets the <c>wdir</c> field (the folder the entry paths are relative to, from the file's folder), or <see langword="null"/>.</summary>
    public string? WorkingDirectory { get; }

    /// <summary>Gets the <c>outs</c> entries: the tracked files and folders. Never empty.</summary>
    public IReadOnlyList<DvcEntry> Outputs { get; }

    /// <summary>Gets the <c>deps</c> entries (present for imports only); empty when there are none.</summary>
    public IReadOnlyList<DvcEntry> Dependencies { get; }

    /// <summary>Reads and parses a <c>.dvc</c> file.</summary>
    /// <param name="filePath">The path of the file.</param>
    /// <returns>The parsed file.</returns>
    /// <exception cref="ArgumentException"><paramref name="filePath"/> is null or empty.</exception>
    /// <exception cref="DvcFormatException">The file is not valid YAML, or not a <c>.dvc</c> file.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static DvcFile Load(string filePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        return Parse(File.ReadAllText(filePath), filePath);
    }

    /// <summary>Reads and parses a <c>.dvc</c> file asynchronously.</summary>
    /// <param name="filePath">The path of the file.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The parsed file.</returns>
    /// <exception cref="ArgumentException"><paramref name="filePath"/> is null or empty.</exception>
    /// <exception cref="DvcFormatException">The file is not valid YAML, or not a <c>.dvc</c> file.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static async Task<DvcFile> LoadAsync(string filePath, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        var text = await File.ReadAllTextAsync(filePath, cancellationToken).ConfigureAwait(false);
        return Parse(text, filePath);
    }

    /// <summary>Parses the text of a <c>.dvc</c> file.</summary>
    /// <param name="yaml">The file's text.</param>
    /// <param name="filePath">The file's path: named in errors, and the base of <see cref="GetFullPath"/>.</param>
    /// <returns>The parsed file.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="DvcFormatException">The text is not valid YAML, or has no <c>outs</c> list of entries with a <c>path</c>.</exception>
    public static DvcFile Parse(string yaml, string filePath)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(filePath);

        var root = DvcSchemaReader.ParseYaml(yaml, filePath)
            ?? throw new DvcFormatException(filePath, 0, "the file is empty; a .dvc file has an 'outs' list");
        var map = DvcSchemaReader.ExpectMapping(root, filePath, "a .dvc file");
        if (!map.TryGetValue("outs", out var outsNode) || outsNode is not YamlSequence { Items.Count: > 0 })
        {
            throw new DvcFormatException(filePath, outsNode?.Line ?? map.Line, "there is no 'outs' list with at least one entry");
        }

        return new DvcFile(
            filePath,
            DvcSchemaReader.OptionalString(map, "wdir", filePath),
            DvcSchemaReader.ReadEntries(map, "outs", filePath),
            DvcSchemaReader.ReadEntries(map, "deps", filePath));
    }

    /// <summary>Resolves an entry's path against the folder of this file and its <see cref="WorkingDirectory"/>.</summary>
    /// <param name="entry">An entry of this file.</param>
    /// <returns>The absolute path of the tracked file or folder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="entry"/> is <see langword="null"/>.</exception>
    public string GetFullPath(DvcEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var folder = Path.GetDirectoryName(Path.GetFullPath(FilePath)) ?? string.Empty;
        return Path.GetFullPath(Path.Combine(folder, WorkingDirectory ?? string.Empty, entry.Path));
    }
}
