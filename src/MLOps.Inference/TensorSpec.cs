namespace MLOps.Inference;

/// <summary>What a model input or output looks like: its name, element type and shape.</summary>
/// <param name="Name">The tensor name in the model graph.</param>
/// <param name="ElementKind">The element type, or <see langword="null"/> when the model uses one this library does not support.</param>
/// <param name="Dimensions">The dimensions; -1 where the dimension is symbolic (set per call).</param>
/// <param name="SymbolicDimensions">The symbolic name of each dimension (such as <c>batch</c>), or an empty string.</param>
public sealed record TensorSpec(string Name, TensorElementKind? ElementKind, IReadOnlyList<long> Dimensions, IReadOnlyList<string> SymbolicDimensions)
{
    /// <summary>Gets a value indicating whether the first dimension is variable, so rows of several requests can be stacked.</summary>
    public bool IsBatched => Dimensions.Count > 0 && Dimensions[0] < 0;

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {ElementKind?.ToString() ?? "unsupported"}[{InferenceTensor.FormatShape(Dimensions)}]";
}
