namespace MLOps.Inference.OpenInference;

/// <summary>The Open Inference Protocol datatype names and their mapping to <see cref="TensorElementKind"/>.</summary>
/// <remarks>
/// MLOps.Inference tensors hold FP32, FP64, INT64, INT32, BOOL and BYTES (strings, UTF-8 on the wire); the other
/// v2 datatypes (UINT*, INT8, INT16, FP16, BF16) are refused with a message that names the supported ones.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The names mirror the protocol's datatype names.")]
public static class OpenInferenceDatatypes
{
    /// <summary>32-bit IEEE float.</summary>
    public const string Fp32 = "FP32";

    /// <summary>64-bit IEEE float.</summary>
    public const string Fp64 = "FP64";

    /// <summary>64-bit signed integer.</summary>
    public const string Int64 = "INT64";

    /// <summary>32-bit signed integer.</summary>
    public const string Int32 = "INT32";

    /// <summary>Boolean, one byte in binary form (1 = true, 0 = false).</summary>
    public const string Bool = "BOOL";

    /// <summary>Variable-length bytes; strings here, UTF-8; binary form is a 4-byte little-endian length then the bytes.</summary>
    public const string Bytes = "BYTES";

    internal const string Supported = "FP32, FP64, INT64, INT32, BOOL, BYTES";

    /// <summary>Gets the v2 datatype name of an element kind.</summary>
    /// <param name="kind">The element kind.</param>
    /// <returns>The datatype name, for example <c>FP32</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is not a defined value.</exception>
    public static string FromKind(TensorElementKind kind) => kind switch
    {
        TensorElementKind.Float => Fp32,
        TensorElementKind.Double => Fp64,
        TensorElementKind.Int64 => Int64,
        TensorElementKind.Int32 => Int32,
        TensorElementKind.Bool => Bool,
        TensorElementKind.String => Bytes,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown element kind."),
    };

    /// <summary>Finds the element kind of a v2 datatype name (case-sensitive, as the protocol says).</summary>
    /// <param name="datatype">The datatype name.</param>
    /// <param name="kind">The element kind, when supported.</param>
    /// <returns>Whether the datatype is one MLOps.Inference tensors can hold.</returns>
    public static bool TryGetKind(string? datatype, out TensorElementKind kind)
    {
        switch (datatype)
        {
            case Fp32: kind = TensorElementKind.Float; return true;
            case Fp64: kind = TensorElementKind.Double; return true;
            case Int64: kind = TensorElementKind.Int64; return true;
            case Int32: kind = TensorElementKind.Int32; return true;
            case Bool: kind = TensorElementKind.Bool; return true;
            case Bytes: kind = TensorElementKind.String; return true;
            default: kind = default; return false;
        }
    }

    internal static int ElementSize(TensorElementKind kind) => kind switch
    {
        TensorElementKind.Float => 4,
        TensorElementKind.Double => 8,
        TensorElementKind.Int64 => 8,
        TensorElementKind.Int32 => 4,
        TensorElementKind.Bool => 1,
        _ => 0,
    };
}
