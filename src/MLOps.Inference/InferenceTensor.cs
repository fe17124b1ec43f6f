using System.Globalization;

namespace MLOps.Inference;

/// <summary>The element types an <see cref="InferenceTensor"/> can hold.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The names are ONNX's element type names, which users look for.")]
public enum TensorElementKind
{
    /// <summary>32-bit floating point (<see cref="float"/>).</summary>
    Float,

    /// <summary>64-bit floating point (<see cref="double"/>).</summary>
    Double,

    /// <summary>64-bit signed integer (<see cref="long"/>).</summary>
    Int64,

    /// <summary>32-bit signed integer (<see cref="int"/>).</summary>
    Int32,

    /// <summary>Boolean (<see cref="bool"/>).</summary>
    Bool,

    /// <summary>UTF-8 text (<see cref="string"/>).</summary>
    String,
}

/// <summary>
/// A dense tensor: an element type, a shape and its elements in row-major order. Inputs and outputs of a model.
/// </summary>
/// <remarks>
/// Create one with <see cref="Create{T}(ReadOnlyMemory{T}, long[])"/> or <see cref="CreateString"/>. The tensor
/// wraps the caller's memory without copying it; do not change that memory until the call that uses the tensor
/// has completed. Instances are immutable and thread-safe.
/// </remarks>
public abstract class InferenceTensor
{
    private protected InferenceTensor(TensorElementKind elementKind, long[] shape, int elementCount)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long expected = 1;
        foreach (var dimension in shape)
        {
            if (dimension < 0)
            {
                throw new ArgumentException($"The shape [{FormatShape(shape)}] has a negative dimension; give every dimension its actual size.", nameof(shape));
            }

            expected *= dimension;
        }

        if (expected != elementCount)
        {
            throw new ArgumentException($"The shape [{FormatShape(shape)}] holds {expected} elements but {elementCount} were given; make the data length equal the product of the dimensions.", nameof(shape));
        }

        ElementKind = elementKind;
        Shape = shape;
        ElementCount = elementCount;
    }

    /// <summary>Gets the element type.</summary>
    public TensorElementKind ElementKind { get; }

    /// <summary>Gets the dimensions, outermost first. Do not modify the array.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>Gets the number of elements (the product of the dimensions).</summary>
    public int ElementCount { get; }

    internal long[] ShapeArray => (long[])Shape;

    /// <summary>Wraps numeric or boolean data without copying it.</summary>
    /// <typeparam name="T"><see cref="float"/>, <see cref="double"/>, <see cref="long"/>, <see cref="int"/> or <see cref="bool"/>.</typeparam>
    /// <param name="data">The elements in row-major order.</param>
    /// <param name="shape">The dimensions; their product must equal the data length.</param>
    /// <returns>The tensor.</returns>
    /// <exception cref="ArgumentException">The shape does not match the data, or <typeparamref name="T"/> is not supported.</exception>
    public static InferenceTensor<T> Create<T>(ReadOnlyMemory<T> data, params long[] shape)
        where T : unmanaged
        => new(data, shape);

    /// <summary>Wraps text data without copying it.</summary>
    /// <param name="data">The elements in row-major order.</param>
    /// <param name="shape">The dimensions; their product must equal the data length.</param>
    /// <returns>The tensor.</returns>
    /// <exception cref="ArgumentException">The shape does not match the data.</exception>
    public static StringTensor CreateString(ReadOnlyMemory<string> data, params long[] shape) => new(data, shape);

    /// <summary>Returns this tensor's elements as <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <returns>The elements.</returns>
    /// <exception cref="InvalidOperationException">The tensor holds another element type.</exception>
    public ReadOnlySpan<T> AsSpan<T>()
        where T : unmanaged
        => this is InferenceTensor<T> typed
            ? typed.Data.Span
            : throw new InvalidOperationException($"This tensor holds {ElementKind} elements, not {typeof(T).Name}.");

    internal static string FormatShape(IReadOnlyList<long> shape)
    {
        var parts = new string[shape.Count];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = shape[i] < 0 ? "?" : shape[i].ToString(CultureInfo.InvariantCulture);
        }

        return string.Join(',', parts);
    }

    internal static TensorElementKind KindOf<T>()
    {
        if (typeof(T) == typeof(float))
        {
            return TensorElementKind.Float;
        }

        if (typeof(T) == typeof(double))
        {
            return TensorElementKind.Double;
        }

        if (typeof(T) == typeof(long))
        {
            return TensorElementKind.Int64;
        }

        if (typeof(T) == typeof(int))
        {
            return TensorElementKind.Int32;
        }

        if (typeof(T) == typeof(bool))
        {
            return TensorElementKind.Bool;
        }

        throw new ArgumentException($"Tensors of {typeof(T).Name} are not supported; use float, double, long, int, bool or string.");
    }
}

/// <summary>A tensor of numbers or booleans.</summary>
/// <typeparam name="T"><see cref="float"/>, <see cref="double"/>, <see cref="long"/>, <see cref="int"/> or <see cref="bool"/>.</typeparam>
public sealed class InferenceTensor<T> : InferenceTensor
    where T : unmanaged
{
    internal InferenceTensor(ReadOnlyMemory<T> data, long[] shape)
        : base(KindOf<T>(), shape, data.Length)
    {
        Data = data;
    }

    /// <summary>Gets the elements in row-major order.</summary>
    public ReadOnlyMemory<T> Data { get; }

    /// <summary>Gets the elements in row-major order.</summary>
    public ReadOnlySpan<T> Span => Data.Span;
}

/// <summary>A tensor of strings.</summary>
public sealed class StringTensor : InferenceTensor
{
    internal StringTensor(ReadOnlyMemory<string> data, long[] shape)
        : base(TensorElementKind.String, shape, data.Length)
    {
        Data = data;
    }

    /// <summary>Gets the elements in row-major order.</summary>
    public ReadOnlyMemory<string> Data { get; }
}
