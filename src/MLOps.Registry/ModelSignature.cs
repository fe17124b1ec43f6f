using System.Globalization;
using System.Text;

namespace MLOps.Registry;

/// <summary>The inputs and outputs of a model, read from its ONNX graph.</summary>
/// <param name="Inputs">The graph inputs that are not initializers, in graph order.</param>
/// <param name="Outputs">The graph outputs, in graph order.</param>
public sealed record ModelSignature(IReadOnlyList<TensorSignature> Inputs, IReadOnlyList<TensorSignature> Outputs)
{
    /// <inheritdoc />
    public override string ToString() =>
        "(" + string.Join(", ", Inputs) + ") -> (" + string.Join(", ", Outputs) + ")";

    /// <inheritdoc />
    public bool Equals(ModelSignature? other) =>
        other is not null && Inputs.SequenceEqual(other.Inputs) && Outputs.SequenceEqual(other.Outputs);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Inputs.Count, Outputs.Count);
}

/// <summary>One named tensor of a model signature.</summary>
/// <param name="Name">The tensor name.</param>
/// <param name="ElementType">The ONNX element type; <see cref="TensorElementType.Undefined"/> for a non-tensor value (sequence, map).</param>
/// <param name="Shape">The dimensions, or <see langword="null"/> when the graph declares no shape (any rank).</param>
public sealed record TensorSignature(string Name, TensorElementType ElementType, IReadOnlyList<TensorDimension>? Shape)
{
    /// <summary>Gets the kind of value when it is not a plain tensor (<c>sequence</c>, <c>map</c>, <c>optional</c>, <c>sparse_tensor</c>); <see langword="null"/> for a tensor.</summary>
    public string? ValueKind { get; init; }

    /// <summary>Formats as <c>input: Float[batch,32]</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var text = new StringBuilder(Name).Append(": ").Append(ValueKind ?? ElementType.ToString());
        if (Shape is not null)
        {
            text.Append('[').AppendJoin(',', Shape).Append(']');
        }

        return text.ToString();
    }

    /// <inheritdoc />
    public bool Equals(TensorSignature? other) =>
        other is not null && Name == other.Name && ElementType == other.ElementType && ValueKind == other.ValueKind
        && (Shape is null ? other.Shape is null : other.Shape is not null && Shape.SequenceEqual(other.Shape));

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, ElementType);
}

/// <summary>One dimension of a tensor shape: a fixed size, a symbolic name (<c>batch</c>), or unknown.</summary>
/// <param name="Value">The fixed size (may be <c>-1</c> in models exported that way), or <see langword="null"/>.</param>
/// <param name="Symbol">The symbolic name, or <see langword="null"/>.</param>
public readonly record struct TensorDimension(long? Value, string? Symbol)
{
    /// <summary>Formats as the size, the symbol, or <c>?</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() =>
        Value is { } value ? value.ToString(CultureInfo.InvariantCulture) : Symbol ?? "?";
}

/// <summary>ONNX tensor element types, numbered as <c>TensorProto.DataType</c> in onnx.proto.</summary>
#pragma warning disable CA1720 // The names are ONNX's own type names.
public enum TensorElementType
{
    /// <summary>Not set, or not a tensor.</summary>
    Undefined = 0,

    /// <summary>32-bit float.</summary>
    Float = 1,

    /// <summary>8-bit unsigned integer.</summary>
    UInt8 = 2,

    /// <summary>8-bit signed integer.</summary>
    Int8 = 3,

    /// <summary>16-bit unsigned integer.</summary>
    UInt16 = 4,

    /// <summary>16-bit signed integer.</summary>
    Int16 = 5,

    /// <summary>32-bit signed integer.</summary>
    Int32 = 6,

    /// <summary>64-bit signed integer.</summary>
    Int64 = 7,

    /// <summary>UTF-8 string.</summary>
    String = 8,

    /// <summary>Boolean.</summary>
    Bool = 9,

    /// <summary>IEEE 754 half precision.</summary>
    Float16 = 10,

    /// <summary>64-bit float.</summary>
    Double = 11,

    /// <summary>32-bit unsigned integer.</summary>
    UInt32 = 12,

    /// <summary>64-bit unsigned integer.</summary>
    UInt64 = 13,

    /// <summary>Complex of two 32-bit floats.</summary>
    Complex64 = 14,

    /// <summary>Complex of two 64-bit floats.</summary>
    Complex128 = 15,

    /// <summary>Brain float 16.</summary>
    BFloat16 = 16,

    /// <summary>8-bit float E4M3FN.</summary>
    Float8E4M3FN = 17,

    /// <summary>8-bit float E4M3FNUZ.</summary>
    Float8E4M3FNUZ = 18,

    /// <summary>8-bit float E5M2.</summary>
    Float8E5M2 = 19,

    /// <summary>8-bit float E5M2FNUZ.</summary>
    Float8E5M2FNUZ = 20,

    /// <summary>4-bit unsigned integer.</summary>
    UInt4 = 21,

    /// <summary>4-bit signed integer.</summary>
    Int4 = 22,

    /// <summary>4-bit float E2M1.</summary>
    Float4E2M1 = 23,
}
#pragma warning restore CA1720
