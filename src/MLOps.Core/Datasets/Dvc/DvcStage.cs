namespace MLOps.Datasets;

/// <summary>One stage of a <c>dvc.lock</c> file: its command and the hashes of what it read and wrote.</summary>
/// <remarks>Immutable and thread-safe. The <c>params</c> section is not modelled.</remarks>
public sealed class DvcStage
{
    internal DvcStage(string name, IReadOnlyList<string> commands, IReadOnlyList<DvcEntry> dependencies, IReadOnlyList<DvcEntry> outputs, int lineNumber)
    {
        Name = name;
        Commands = commands;
        Dependencies = dependencies;
        Outputs = outputs;
        LineNumber = lineNumber;
    }

    /// <summary>Gets the stage name (for <c>foreach</c> stages, <c>name@key</c> as DVC writes it).</summary>
    public string Name { get; }

    /// <summary>Gets the <c>cmd</c> value: one command, or several when <c>cmd</c> is a list.</summary>
    public IReadOnlyList<string> Commands { get; }

    /// <summary>Gets the <c>deps</c> entries; empty when there are none.</summary>
    public IReadOnlyList<DvcEntry> Dependencies { get; }

    /// <summary>Gets the <c>outs</c> entries; empty when there are none.</summary>
    public IReadOnlyList<DvcEntry> Outputs { get; }

    /// <summary>Gets the 1-based line where the stage's name is written.</summary>
    public int LineNumber { get; }
}
