namespace MLOps.Datasets;

/// <summary>The MD5 that DVC recorded for a dataset, and where it was recorded.</summary>
/// <remarks>Immutable; compared by value.</remarks>
public sealed record DvcHashRecord
{
    /// <summary>Gets the MD5 exactly as recorded: 32 hex digits, with <c>.dir</c> appended for a folder.</summary>
    public required string Md5 { get; init; }

    /// <summary>Gets the absolute path of the <c>.dvc</c> or <c>dvc.lock</c> file that records it.</summary>
    public required string SourcePath { get; init; }

    /// <summary>Gets the stage that records it, when <see cref="SourcePath"/> is a <c>dvc.lock</c>; otherwise <see langword="null"/>.</summary>
    public string? StageName { get; init; }

    /// <summary>Gets the recorded <c>hash</c> field: <c>md5</c> (DVC 3.x), or <see langword="null"/> (DVC 2.x; see <see cref="DvcEntry.HashName"/>).</summary>
    public string? HashName { get; init; }

    /// <summary>Gets a value indicating whether the record is for a folder (<c>.dir</c> suffix).</summary>
    public bool IsDirectory => Md5.EndsWith(".dir", StringComparison.Ordinal);
}
