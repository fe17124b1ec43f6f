using System.Text;

namespace MLOps.Registry.Onnx;

/// <summary>
/// Reads a model signature (graph inputs and outputs with element types and shapes) from an ONNX file by parsing
/// just enough of its protobuf encoding: <c>ModelProto.graph</c> (field 7) → <c>GraphProto.input</c> (11),
/// <c>output</c> (12) and the names of <c>initializer</c> (5) → <c>ValueInfoProto</c> → <c>TypeProto</c>.
/// </summary>
/// <remarks>
/// Streams the file once, skipping everything else (weights included) without buffering it, so memory stays
/// bounded whatever the model size. Every length is checked against its enclosing message; a malformed or
/// truncated file raises <see cref="OnnxFormatException"/>. Inputs that are also initializers (IR &lt; 4 lists
/// weights as inputs) are left out, as ONNX Runtime does.
/// </remarks>
internal static class OnnxSignatureReader
{
    /// <summary>The largest single <c>ValueInfoProto</c> read into memory.</summary>
    internal const int MaxValueInfoBytes = 1 << 20;

    /// <summary>The most graph inputs plus outputs accepted.</summary>
    internal const int MaxValues = 100_000;

    /// <summary>The most dimensions per tensor accepted.</summary>
    internal const int MaxRank = 1024;

    private const int MaxNameBytes = 64 << 10;

    public static ModelSignature Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var reader = new StreamReader(stream);
        var inputs = new List<TensorSignature>();
        var outputs = new List<TensorSignature>();
        var initializers = new HashSet<string>(StringComparer.Ordinal);
        var sawGraph = false;
        var end = stream.CanSeek ? stream.Length - stream.Position : long.MaxValue;
        while (reader.TryReadTag(end, out var field, out var wire))
        {
            if (field == 7 && wire == 2)
            {
                var graphEnd = reader.ReadLengthEnd(end);
                ReadGraph(reader, graphEnd, inputs, outputs, initializers);
                sawGraph = true;
            }
            else
            {
                reader.Skip(wire, end);
            }
        }

        if (!sawGraph)
        {
            throw new OnnxFormatException("it has no graph (ModelProto field 7)", reader.Position);
        }

        if (initializers.Count > 0)
        {
            inputs.RemoveAll(i => initializers.Contains(i.Name));
        }

        return new ModelSignature(inputs, outputs);
    }

    private static void ReadGraph(StreamReader reader, long end, List<TensorSignature> inputs, List<TensorSignature> outputs, HashSet<string> initializers)
    {
        while (reader.TryReadTag(end, out var field, out var wire))
        {
            if (wire == 2 && field is 11 or 12)
            {
                var start = reader.Position;
                var length = reader.ReadLengthEnd(end) - reader.Position;
                if (length > MaxValueInfoBytes)
                {
                    throw new OnnxFormatException($"a graph {(field == 11 ? "input" : "output")} description is {length} bytes, over the {MaxValueInfoBytes}-byte bound", start);
                }

                if (inputs.Count + outputs.Count >= MaxValues)
                {
                    throw new OnnxFormatException($"the graph declares more than {MaxValues} inputs and outputs", start);
                }

                var bytes = reader.ReadBytes((int)length);
                var value = ReadValueInfo(new SpanReader(bytes, reader.Position - length));
                (field == 11 ? inputs : outputs).Add(value);
            }
            else if (wire == 2 && field == 5)
            {
                var tensorEnd = reader.ReadLengthEnd(end);
                while (reader.TryReadTag(tensorEnd, out var tensorField, out var tensorWire))
                {
                    if (tensorField == 8 && tensorWire == 2)
                    {
                        var length = reader.ReadLengthEnd(tensorEnd) - reader.Position;
                        if (length > MaxNameBytes)
                        {
                            throw new OnnxFormatException($"an initializer name is {length} bytes, over the {MaxNameBytes}-byte bound", reader.Position);
                        }

                        initializers.Add(Encoding.UTF8.GetString(reader.ReadBytes((int)length)));
                    }
                    else
                    {
                        reader.Skip(tensorWire, tensorEnd);
                    }
                }
            }
            else
            {
                reader.Skip(wire, end);
            }
        }
    }

    private static TensorSignature ReadValueInfo(SpanReader reader)
    {
        string? name = null;
        var elementType = TensorElementType.Undefined;
        IReadOnlyList<TensorDimension>? shape = null;
        string? kind = null;
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                name = reader.ReadString();
            }
            else if (field == 2 && wire == 2)
            {
                var type = reader.ReadMessage();
                while (type.TryReadTag(out var typeField, out var typeWire))
                {
                    if (typeWire == 2 && typeField is 1 or 8)
                    {
                        kind = typeField == 8 ? "sparse_tensor" : null;
                        (elementType, shape) = ReadTensorType(type.ReadMessage());
                    }
                    else if (typeWire == 2 && typeField is 4 or 5 or 9)
                    {
                        kind = typeField switch { 4 => "sequence", 5 => "map", _ => "optional" };
                        type.Skip(typeWire);
                    }
                    else
                    {
                        type.Skip(typeWire);
                    }
                }
            }
            else
            {
                reader.Skip(wire);
            }
        }

        if (name is null)
        {
            throw new OnnxFormatException("a graph input or output has no name", reader.Origin);
        }

        return new TensorSignature(name, elementType, shape) { ValueKind = kind };
    }

    private static (TensorElementType, IReadOnlyList<TensorDimension>?) ReadTensorType(SpanReader reader)
    {
        var elementType = TensorElementType.Undefined;
        List<TensorDimension>? shape = null;
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == 0)
            {
                elementType = (TensorElementType)(int)reader.ReadVarint();
            }
            else if (field == 2 && wire == 2)
            {
                shape ??= [];
                var shapeReader = reader.ReadMessage();
                while (shapeReader.TryReadTag(out var shapeField, out var shapeWire))
                {
                    if (shapeField == 1 && shapeWire == 2)
                    {
                        if (shape.Count >= MaxRank)
                        {
                            throw new OnnxFormatException($"a tensor has more than {MaxRank} dimensions", shapeReader.Origin);
                        }

                        shape.Add(ReadDimension(shapeReader.ReadMessage()));
                    }
                    else
                    {
                        shapeReader.Skip(shapeWire);
                    }
                }
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return (elementType, shape);
    }

    private static TensorDimension ReadDimension(SpanReader reader)
    {
        long? value = null;
        string? symbol = null;
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == 0)
            {
                value = (long)reader.ReadVarint();
                symbol = null;
            }
            else if (field == 2 && wire == 2)
            {
                symbol = reader.ReadString();
                value = null;
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return new TensorDimension(value, symbol);
    }

    /// <summary>A forward protobuf reader over a stream that skips (seeking when it can) rather than buffering.</summary>
    private sealed class StreamReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[16 << 10];
        private int _offset;
        private int _count;
        private long _consumedBefore;

        /// <summary>Gets the absolute position in the stream of the next byte to read.</summary>
        public long Position => _consumedBefore + _offset;

        public bool TryReadTag(long end, out int field, out int wire)
        {
            field = 0;
            wire = 0;
            if (Position >= end || (Position < end && !EnsureOne(throwAtEnd: end != long.MaxValue)))
            {
                return false;
            }

            var start = Position;
            var tag = ReadVarint();
            field = (int)(tag >> 3);
            wire = (int)(tag & 7);
            if (field == 0 || tag >> 3 > int.MaxValue)
            {
                throw new OnnxFormatException("a field number is 0 or too large", start);
            }

            return true;
        }

        public ulong ReadVarint()
        {
            var start = Position;
            ulong result = 0;
            for (var shift = 0; shift < 70; shift += 7)
            {
                EnsureOne(throwAtEnd: true);
                var b = _buffer[_offset++];
                result |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return result;
                }
            }

            throw new OnnxFormatException("a varint is longer than 10 bytes", start);
        }

        /// <summary>Reads a length prefix and returns the absolute end of the field, checked against its parent's end.</summary>
        public long ReadLengthEnd(long parentEnd)
        {
            var start = Position;
            var length = ReadVarint();
            if (length > (ulong)(parentEnd - Position))
            {
                throw new OnnxFormatException($"a field of {length} bytes runs past the end of its enclosing message or file", start);
            }

            return Position + (long)length;
        }

        public byte[] ReadBytes(int length)
        {
            var result = new byte[length];
            var written = 0;
            while (written < length)
            {
                EnsureOne(throwAtEnd: true);
                var take = Math.Min(length - written, _count - _offset);
                _buffer.AsSpan(_offset, take).CopyTo(result.AsSpan(written));
                _offset += take;
                written += take;
            }

            return result;
        }

        public void Skip(int wire, long end)
        {
            var start = Position;
            switch (wire)
            {
                case 0:
                    ReadVarint();
                    break;
                case 1:
                    SkipBytes(8, end, start);
                    break;
                case 2:
                    var fieldEnd = ReadLengthEnd(end);
                    SkipBytes(fieldEnd - Position, end, start);
                    break;
                case 5:
                    SkipBytes(4, end, start);
                    break;
                default:
                    throw new OnnxFormatException($"wire type {wire} (groups or invalid) does not occur in ONNX", start);
            }
        }

        private void SkipBytes(long length, long end, long start)
        {
            if (length > end - Position)
            {
                throw new OnnxFormatException("a field runs past the end of its enclosing message", start);
            }

            var buffered = _count - _offset;
            if (length <= buffered)
            {
                _offset += (int)length;
                return;
            }

            length -= buffered;
            _consumedBefore += _count;
            _offset = 0;
            _count = 0;
            if (stream.CanSeek)
            {
                if (stream.Position + length > stream.Length)
                {
                    throw new OnnxFormatException("the file is truncated", start);
                }

                stream.Seek(length, SeekOrigin.Current);
                _consumedBefore += length;
                return;
            }

            while (length > 0)
            {
                var read = stream.Read(_buffer, 0, (int)Math.Min(_buffer.Length, length));
                if (read == 0)
                {
                    throw new OnnxFormatException("the file is truncated", start);
                }

                length -= read;
                _consumedBefore += read;
            }
        }

        private bool EnsureOne(bool throwAtEnd)
        {
            if (_offset < _count)
            {
                return true;
            }

            _consumedBefore += _count;
            _offset = 0;
            _count = stream.Read(_buffer, 0, _buffer.Length);
            if (_count > 0)
            {
                return true;
            }

            if (throwAtEnd)
            {
                throw new OnnxFormatException("the file is truncated", Position);
            }

            return false;
        }
    }

    /// <summary>A protobuf reader over one small message held in memory.</summary>
    private ref struct SpanReader(ReadOnlySpan<byte> data, long origin)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public readonly long Origin => origin + _position;

        public bool TryReadTag(out int field, out int wire)
        {
            field = 0;
            wire = 0;
            if (_position >= _data.Length)
            {
                return false;
            }

            var tag = ReadVarint();
            field = (int)Math.Min(tag >> 3, int.MaxValue);
            wire = (int)(tag & 7);
            if (field == 0)
            {
                throw new OnnxFormatException("a field number is 0", Origin);
            }

            return true;
        }

        public ulong ReadVarint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 70; shift += 7)
            {
                if (_position >= _data.Length)
                {
                    throw new OnnxFormatException("a varint runs past the end of its message", Origin);
                }

                var b = _data[_position++];
                result |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return result;
                }
            }

            throw new OnnxFormatException("a varint is longer than 10 bytes", Origin);
        }

        public SpanReader ReadMessage()
        {
            var length = ReadLength();
            var start = Origin;
            var message = new SpanReader(_data.Slice(_position, length), start);
            _position += length;
            return message;
        }

        public string ReadString()
        {
            var length = ReadLength();
            if (length > MaxNameBytes)
            {
                throw new OnnxFormatException($"a name is {length} bytes, over the {MaxNameBytes}-byte bound", Origin);
            }

            var text = Encoding.UTF8.GetString(_data.Slice(_position, length));
            _position += length;
            return text;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0:
                    ReadVarint();
                    break;
                case 1:
                    Advance(8);
                    break;
                case 2:
                    Advance(ReadLength());
                    break;
                case 5:
                    Advance(4);
                    break;
                default:
                    throw new OnnxFormatException($"wire type {wire} (groups or invalid) does not occur in ONNX", Origin);
            }
        }

        private int ReadLength()
        {
            var start = Origin;
            var length = ReadVarint();
            if (length > (ulong)(_data.Length - _position))
            {
                throw new OnnxFormatException($"a field of {length} bytes runs past the end of its message", start);
            }

            return (int)length;
        }

        private void Advance(int count)
        {
            if (count > _data.Length - _position)
            {
                throw new OnnxFormatException("a field runs past the end of its message", Origin);
            }

            _position += count;
        }
    }
}
