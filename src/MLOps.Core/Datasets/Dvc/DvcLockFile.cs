using MLOps.Datasets.Yaml;

namespace MLOps.Datasets;

/// <summary>
/// A <c>dvc.lock</c> file (schema 2.0, written by DVC 2.x and 3.x): the recorded state of each pipeline stage.
/// </summary>
/// <remarks>
/// Entry paths are resolved against the lock file's folder (<see cref="GetFullPath"/>): stages with a <c>wdir</c>
/// other than <c>.</c> in <c>dvc.yaml</c> are not supported, because the lock file does not record it.
/// Immutable and thread-safe once loaded.
/// </remarks>
public sealed class DvcLockFile
{
    /// <summary>The only lock-file schema this reader accepts.</summary>
    public const string SupportedSchema = "2.0";

    private DvcLockFile(string filePath, string? schema, IReadOnlyList<DvcStage> stages)
    {
        FilePath = filePath;
        Schema = schema;
        Stages = stages;
    }

    /// <summary>Gets the path of the file, as given to <see cref="Load"/> or <see cref="Parse"/>.</summary>
    public string FilePath { get; }

    /// <summary>Gets the <c>schema</c> field (<c>2.0</c>), or <see langword="null"/> for an empty file.</summary>
    public string? Schema { get; }

    /// <summary>Gets the stages in file order; empty for an empty file.</summary>
    public IReadOnlyList<DvcStage> Stages { get; }

    /// <summary>Reads and parses a <c>dvc.lock</c> file.</summary>
    /// <param name="filePath">The path of the file.</param>
    /// <returns>The parsed file.</returns>
    /// <exception cref="ArgumentException"><paramref name="filePath"/> is null or empty.</exception>
    /// <exception cref="DvcFormatException">The file is not valid YAML, or not a schema 2.0 lock file.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static DvcLockFile Load(string filePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        return Parse(File.ReadAllText(filePath), filePath);
    }

    /// <summary>Reads and parses a <c>dvc.lock</c> file asynchronously.</summary>
    /// <param name="filePath">The path of the file.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The parsed file.</returns>
    /// <exception cref="ArgumentException"><paramref name="filePath"/> is null or empty.</exception>
    /// <exception cref="DvcFormatException">The file is not valid YAML, or not a schema 2.0 lock file.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static async Task<DvcLockFile> LoadAsync(string filePath, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        var text = await File.ReadAllTextAsync(filePath, cancellationToken).ConfigureAwait(false);
        return Parse(text, filePath);
    }

    /// <summary>Parses the text of a <c>dvc.lock</c> file.</summary>
    /// <param name="yaml">The file's text.</param>
    /// <param name="filePath">The file's path: named in errors, and the base of <see cref="GetFullPath"/>.</param>
    /// <returns>The parsed file.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="DvcFormatException">
    /// The text is not valid YAML; its <c>schema</c> is not <c>2.0</c>; or a stage lacks <c>cmd</c> or has an entry without <c>path</c>.
    /// </exception>
    public static DvcLockFile Parse(string yaml, string filePath)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(filePath);

        var root = DvcSchemaReader.ParseYaml(yaml, filePath);
        if (root is null)
        {
            return new DvcLockFile(filePath, null, []);
        }

        var map = DvcSchemaReader.ExpectMapping(root, filePath, "a dvc.lock file");
        var schema = DvcSchemaReader.OptionalString(map, "schema", filePath);
        if (schema is null)
        {
            throw new DvcFormatException(filePath, map.Line, "there is no 'schema' field: this looks like a DVC 1.x lock file; upgrade it by running 'dvc commit' with DVC 2.0 or later");
        }

        if (!string.Equals(schema, SupportedSchema, StringComparison.Ordinal))
        {
            throw new DvcFormatException(filePath, map.TryGetValue("schema", out var s) ? s.Line : map.Line, $"schema '{schema}' is not supported; only schema '{SupportedSchema}' (DVC 2.x and 3.x) is");
        }

        var stages = new List<DvcStage>();
        if (map.TryGetValue("stages", out var stagesNode) && stagesNode is not YamlScalar { IsNull: true })
        {
            foreach (var (key, value) in DvcSchemaReader.ExpectMapping(stagesNode, filePath, "'stages'").Entries)
            {
                stages.Add(ReadStage(key, value, filePath));
            }
        }

        return new DvcLockFile(filePath, schema, stages);
    }

    /// <summary>Resolves an entry's path against the folder of this file.</summary>
    /// <param name="entry">An entry of one of this file's stages.</param>
    /// <returns>The absolute path of the file or folder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="entry"/> is <see langword="null"/>.</exception>
    public string GetFullPath(DvcEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var folder = Path.GetDirectoryName(Path.GetFullPath(FilePath)) ?? string.Empty;
        return Path.GetFullPath(Path.Combine(folder, entry.Path));
    }

    private static DvcStage ReadStage(YamlScalar name, YamlNode node, string filePath)
    {
        var stage = DvcSchemaReader.ExpectMapping(node, filePath, $"stage '{name.Value}'");
        if (!stage.TryGetValue("cmd", out var cmd) || cmd is YamlScalar { IsNull: true })
        {
            throw new DvcFormatException(filePath, name.Line, $"stage '{name.Value}' has no 'cmd'");
        }

        var commands = new List<string>();
        switch (cmd)
        {
            case YamlScalar one:
                commands.Add(one.Value);
                break;
            case YamlSequence many:
                foreach (var item in many.Items)
                {
                    commands.Add(item is YamlScalar c
                        ? c.Value
                        : throw new DvcFormatException(filePath, item.Line, $"each command of stage '{name.Value}' must be a single value"));
                }

                break;
            default:
                throw new DvcFormatException(filePath, cmd.Line, $"'cmd' of stage '{name.Value}' must be a command or a list of commands");
        }

        return new DvcStage(
            name.Value,
            commands,
            DvcSchemaReader.ReadEntries(stage, "deps", filePath),
            DvcSchemaReader.ReadEntries(stage, "outs", filePath),
            name.Line);
    }
}
