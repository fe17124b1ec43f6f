using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace MLOps.Inference.OpenInference;

/// <summary>A body that does not follow the Open Inference Protocol; the message is safe to return to the sender.</summary>
internal sealed class WireFormatException(string message) : Exception(message);

/// <summary>A parsed v2 inference request (server side).</summary>
internal sealed class WireRequest
{
    public string? Id { get; set; }

    public Dictionary<string, object>? Parameters { get; set; }

    public List<KeyValuePair<string, InferenceTensor>> Inputs { get; } = [];

    /// <summary>Requested outputs and their <c>binary_data</c> parameter; null = all outputs.</summary>
    public List<(string Name, bool? Binary)>? Outputs { get; set; }

    /// <summary>The request parameter <c>binary_data_output</c>.</summary>
    public bool BinaryOutput { get; set; }
}

/// <summary>A parsed v2 inference response (client side).</summary>
internal sealed class WireResponse
{
    public string ModelName { get; set; } = "";

    public string? ModelVersion { get; set; }

    public string? Id { get; set; }

    public Dictionary<string, object>? Parameters { get; set; }

    public List<KeyValuePair<string, InferenceTensor>> Outputs { get; } = [];
}

/// <summary>
/// Reads and writes v2 inference bodies: JSON, and JSON header + tensor bytes (Triton's binary tensor data
/// extension). Shared by the client and the server; tests hold both against hand-written bytes.
/// </summary>
internal static class WireCodec
{
    public const string HeaderLengthHeader = "Inference-Header-Content-Length";
    public const string BinaryDataSize = "binary_data_size";
    public const string BinaryData = "binary_data";
    public const string BinaryDataOutput = "binary_data_output";

    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = false };

    // ---------------------------------------------------------------- request

    public static byte[] WriteRequest(
        InferenceRequest request,
        string? id,
        IReadOnlyDictionary<string, object>? parameters,
        IReadOnlyList<string>? outputs,
        bool binary,
        out int headerLength)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            if (id is not null)
            {
                writer.WriteString("id"u8, id);
            }

            if (binary || parameters is { Count: > 0 })
            {
                writer.WritePropertyName("parameters"u8);
                writer.WriteStartObject();
                if (parameters is not null)
                {
                    foreach (var (key, value) in parameters)
                    {
                        if (binary && key == BinaryDataOutput)
                        {
                            continue;
                        }

                        WriteParameter(writer, key, value);
                    }
                }

                if (binary)
                {
                    writer.WriteBoolean(BinaryDataOutput, true);
                }

                writer.WriteEndObject();
            }

            writer.WritePropertyName("inputs"u8);
            writer.WriteStartArray();
            foreach (var (name, tensor) in request.Inputs)
            {
                WriteTensorHeader(writer, name, tensor, binary, writeData: !binary);
            }

            writer.WriteEndArray();
            if (outputs is { Count: > 0 })
            {
                writer.WritePropertyName("outputs"u8);
                writer.WriteStartArray();
                foreach (var output in outputs)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name"u8, output);
                    if (binary)
                    {
                        writer.WritePropertyName("parameters"u8);
                        writer.WriteStartObject();
                        writer.WriteBoolean(BinaryData, true);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        headerLength = buffer.WrittenCount;
        if (binary)
        {
            foreach (var (_, tensor) in request.Inputs)
            {
                WriteTensorBytes(buffer, tensor);
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static WireRequest ReadRequest(ReadOnlyMemory<byte> body, int? headerLength)
    {
        var (json, binary) = Split(body, headerLength);
        using var document = Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new WireFormatException("The request body must be a JSON object with an \"inputs\" array.");
        }

        var request = new WireRequest();
        if (root.TryGetProperty("id"u8, out var id))
        {
            request.Id = id.ValueKind == JsonValueKind.String ? id.GetString() : throw new WireFormatException("\"id\" must be a string.");
        }

        request.Parameters = ReadParameters(root, "request");
        if (request.Parameters?.TryGetValue(BinaryDataOutput, out var binaryOutput) == true)
        {
            request.BinaryOutput = binaryOutput is true;
        }

        if (!root.TryGetProperty("inputs"u8, out var inputs) || inputs.ValueKind != JsonValueKind.Array)
        {
            throw new WireFormatException("The request has no \"inputs\" array; give one entry per model input.");
        }

        var offset = 0;
        foreach (var input in inputs.EnumerateArray())
        {
            var (name, tensor) = ReadTensor(input, binary.Span, ref offset, "input");
            foreach (var existing in request.Inputs)
            {
                if (existing.Key == name)
                {
                    throw new WireFormatException($"The input '{name}' is given twice; give each input once.");
                }
            }

            request.Inputs.Add(new(name, tensor));
        }

        CheckConsumed(binary.Length, offset);
        if (root.TryGetProperty("outputs"u8, out var outputs))
        {
            if (outputs.ValueKind != JsonValueKind.Array)
            {
                throw new WireFormatException("\"outputs\" must be an array of {\"name\": ...} objects.");
            }

            request.Outputs = [];
            foreach (var output in outputs.EnumerateArray())
            {
                var name = output.ValueKind == JsonValueKind.Object && output.TryGetProperty("name"u8, out var n) && n.ValueKind == JsonValueKind.String
                    ? n.GetString()!
                    : throw new WireFormatException("Each entry of \"outputs\" needs a string \"name\".");
                var parameters = ReadParameters(output, $"output '{name}'");
                bool? wantsBinary = parameters?.TryGetValue(BinaryData, out var b) == true ? b is true : null;
                request.Outputs.Add((name, wantsBinary));
            }
        }

        return request;
    }

    // ---------------------------------------------------------------- response

    public static byte[] WriteResponse(string modelName, string? modelVersion, WireRequest request, IReadOnlyList<KeyValuePair<string, InferenceTensor>> outputs, out int? headerLength)
    {
        var binaryFlags = new bool[outputs.Count];
        var anyBinary = false;
        for (var i = 0; i < outputs.Count; i++)
        {
            var binary = request.BinaryOutput;
            if (request.Outputs is not null)
            {
                foreach (var (name, wants) in request.Outputs)
                {
                    if (name == outputs[i].Key && wants is { } w)
                    {
                        binary = w;
                    }
                }
            }

            // JSON cannot carry NaN or infinities: such a tensor goes binary whatever was asked.
            binaryFlags[i] = binary || HasNonFinite(outputs[i].Value);
            anyBinary |= binaryFlags[i];
        }

        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("model_name"u8, modelName);
            if (modelVersion is not null)
            {
                writer.WriteString("model_version"u8, modelVersion);
            }

            if (request.Id is not null)
            {
                writer.WriteString("id"u8, request.Id);
            }

            writer.WritePropertyName("outputs"u8);
            writer.WriteStartArray();
            for (var i = 0; i < outputs.Count; i++)
            {
                WriteTensorHeader(writer, outputs[i].Key, outputs[i].Value, binaryFlags[i], writeData: !binaryFlags[i]);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        headerLength = anyBinary ? buffer.WrittenCount : null;
        for (var i = 0; i < outputs.Count; i++)
        {
            if (binaryFlags[i])
            {
                WriteTensorBytes(buffer, outputs[i].Value);
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static WireResponse ReadResponse(ReadOnlyMemory<byte> body, int? headerLength)
    {
        var (json, binary) = Split(body, headerLength);
        using var document = Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new WireFormatException("The response body is not a JSON object.");
        }

        var response = new WireResponse
        {
            ModelName = root.TryGetProperty("model_name"u8, out var name) && name.ValueKind == JsonValueKind.String ? name.GetString()! : "",
            ModelVersion = root.TryGetProperty("model_version"u8, out var version) && version.ValueKind == JsonValueKind.String ? version.GetString() : null,
            Id = root.TryGetProperty("id"u8, out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null,
            Parameters = ReadParameters(root, "response"),
        };
        if (!root.TryGetProperty("outputs"u8, out var outputs) || outputs.ValueKind != JsonValueKind.Array)
        {
            throw new WireFormatException("The response has no \"outputs\" array.");
        }

        var offset = 0;
        foreach (var output in outputs.EnumerateArray())
        {
            var (outputName, tensor) = ReadTensor(output, binary.Span, ref offset, "output");
            response.Outputs.Add(new(outputName, tensor));
        }

        CheckConsumed(binary.Length, offset);
        return response;
    }

    /// <summary>Reads <c>{"error": "..."}</c>; null when the body is not such an object.</summary>
    public static string? ReadError(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error"u8, out var error)
                && error.ValueKind == JsonValueKind.String
                ? error.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static byte[] WriteError(string message)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("error"u8, message);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    // ---------------------------------------------------------------- parameters

    public static void WriteParameter(Utf8JsonWriter writer, string key, object value)
    {
        switch (value)
        {
            case string s: writer.WriteString(key, s); break;
            case bool b: writer.WriteBoolean(key, b); break;
            case int i: writer.WriteNumber(key, i); break;
            case long l: writer.WriteNumber(key, l); break;
            case double d when double.IsFinite(d): writer.WriteNumber(key, d); break;
            case float f when float.IsFinite(f): writer.WriteNumber(key, f); break;
            default:
                throw new ArgumentException($"The parameter '{key}' has a value of type {value?.GetType().Name ?? "null"}; v2 parameters are strings, finite numbers or booleans.", nameof(value));
        }
    }

    public static Dictionary<string, object>? ReadParameters(JsonElement owner, string what)
    {
        if (!owner.TryGetProperty("parameters"u8, out var parameters) || parameters.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (parameters.ValueKind != JsonValueKind.Object)
        {
            throw new WireFormatException($"The {what} \"parameters\" must be a JSON object.");
        }

        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var property in parameters.EnumerateObject())
        {
            result[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString()!,
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.Number => property.Value.TryGetInt64(out var l) ? (object)l : property.Value.GetDouble(),

                // Not a v2 parameter type (Triton's "headers" is an object): kept as its JSON text.
                _ => property.Value.GetRawText(),
            };
        }

        return result;
    }

    // ---------------------------------------------------------------- tensors

    private static void WriteTensorHeader(Utf8JsonWriter writer, string name, InferenceTensor tensor, bool binary, bool writeData)
    {
        writer.WriteStartObject();
        writer.WriteString("name"u8, name);
        writer.WritePropertyName("shape"u8);
        writer.WriteStartArray();
        foreach (var dimension in tensor.Shape)
        {
            writer.WriteNumberValue(dimension);
        }

        writer.WriteEndArray();
        writer.WriteString("datatype"u8, OpenInferenceDatatypes.FromKind(tensor.ElementKind));
        if (binary)
        {
            writer.WritePropertyName("parameters"u8);
            writer.WriteStartObject();
            writer.WriteNumber(BinaryDataSize, BinarySize(tensor));
            writer.WriteEndObject();
        }

        if (writeData)
        {
            writer.WritePropertyName("data"u8);
            WriteJsonData(writer, name, tensor);
        }

        writer.WriteEndObject();
    }

    private static void WriteJsonData(Utf8JsonWriter writer, string name, InferenceTensor tensor)
    {
        writer.WriteStartArray();
        switch (tensor)
        {
            case InferenceTensor<float> f:
                foreach (var v in f.Span)
                {
                    writer.WriteNumberValue(float.IsFinite(v) ? v : throw NonFinite(name));
                }

                break;
            case InferenceTensor<double> d:
                foreach (var v in d.Span)
                {
                    writer.WriteNumberValue(double.IsFinite(v) ? v : throw NonFinite(name));
                }

                break;
            case InferenceTensor<long> l:
                foreach (var v in l.Span)
                {
                    writer.WriteNumberValue(v);
                }

                break;
            case InferenceTensor<int> i:
                foreach (var v in i.Span)
                {
                    writer.WriteNumberValue(v);
                }

                break;
            case InferenceTensor<bool> b:
                foreach (var v in b.Span)
                {
                    writer.WriteBooleanValue(v);
                }

                break;
            case StringTensor s:
                foreach (var v in s.Data.Span)
                {
                    writer.WriteStringValue(v);
                }

                break;
        }

        writer.WriteEndArray();
    }

    private static ArgumentException NonFinite(string name) =>
        new($"The tensor '{name}' holds NaN or an infinity, which JSON cannot carry; send it with binary data (UseBinaryData).");

    private static bool HasNonFinite(InferenceTensor tensor)
    {
        if (tensor is InferenceTensor<float> f)
        {
            foreach (var v in f.Span)
            {
                if (!float.IsFinite(v))
                {
                    return true;
                }
            }
        }
        else if (tensor is InferenceTensor<double> d)
        {
            foreach (var v in d.Span)
            {
                if (!double.IsFinite(v))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static long BinarySize(InferenceTensor tensor)
    {
        if (tensor is StringTensor s)
        {
            long size = 0;
            foreach (var v in s.Data.Span)
            {
                size += 4 + Encoding.UTF8.GetByteCount(v ?? "");
            }

            return size;
        }

        return (long)tensor.ElementCount * OpenInferenceDatatypes.ElementSize(tensor.ElementKind);
    }

    private static void WriteTensorBytes(ArrayBufferWriter<byte> buffer, InferenceTensor tensor)
    {
        // The wire is little-endian; every platform .NET 10 ships on is too, so a block copy is the encoding.
        switch (tensor)
        {
            case InferenceTensor<float> f: buffer.Write(MemoryMarshal.AsBytes(f.Span)); break;
            case InferenceTensor<double> d: buffer.Write(MemoryMarshal.AsBytes(d.Span)); break;
            case InferenceTensor<long> l: buffer.Write(MemoryMarshal.AsBytes(l.Span)); break;
            case InferenceTensor<int> i: buffer.Write(MemoryMarshal.AsBytes(i.Span)); break;
            case InferenceTensor<bool> b: buffer.Write(MemoryMarshal.AsBytes(b.Span)); break; // .NET bools are 1 / 0
            case StringTensor s:
                foreach (var v in s.Data.Span)
                {
                    var text = v ?? "";
                    var span = buffer.GetSpan(4 + Encoding.UTF8.GetMaxByteCount(text.Length));
                    var written = Encoding.UTF8.GetBytes(text, span[4..]);
                    BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)written);
                    buffer.Advance(4 + written);
                }

                break;
        }
    }

    private static (string Name, InferenceTensor Tensor) ReadTensor(JsonElement element, ReadOnlySpan<byte> binary, ref int offset, string what)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new WireFormatException($"Each {what} must be a JSON object with \"name\", \"shape\", \"datatype\" and \"data\".");
        }

        var name = element.TryGetProperty("name"u8, out var n) && n.ValueKind == JsonValueKind.String
            ? n.GetString()!
            : throw new WireFormatException($"An {what} has no string \"name\".");
        var datatype = element.TryGetProperty("datatype"u8, out var dt) && dt.ValueKind == JsonValueKind.String ? dt.GetString() : null;
        if (!OpenInferenceDatatypes.TryGetKind(datatype, out var kind))
        {
            throw new WireFormatException($"The {what} '{name}' has datatype '{datatype ?? "(none)"}'; supported datatypes are {OpenInferenceDatatypes.Supported}.");
        }

        if (!element.TryGetProperty("shape"u8, out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw new WireFormatException($"The {what} '{name}' has no \"shape\" array.");
        }

        var shape = new long[shapeElement.GetArrayLength()];
        var index = 0;
        long count = 1;
        foreach (var dimension in shapeElement.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt64(out var d) || d < 0)
            {
                throw new WireFormatException($"The {what} '{name}' has shape {shapeElement.GetRawText()}; every dimension must be a whole number, 0 or more.");
            }

            shape[index++] = d;
            count = checked(count * Math.Max(d, 1));
            if (count > Array.MaxLength)
            {
                throw new WireFormatException($"The {what} '{name}' has shape {shapeElement.GetRawText()}, too many elements for one tensor.");
            }
        }

        var elementCount = 1;
        foreach (var d in shape)
        {
            elementCount *= (int)d;
        }

        var parameters = ReadParameters(element, $"{what} '{name}'");
        if (parameters?.TryGetValue(BinaryDataSize, out var sizeValue) == true)
        {
            if (sizeValue is not long size || size < 0 || size > binary.Length - offset)
            {
                throw new WireFormatException($"The {what} '{name}' has binary_data_size {sizeValue} but the body holds {binary.Length - offset} more bytes; give the exact byte count of this tensor.");
            }

            var slice = binary.Slice(offset, (int)size);
            offset += (int)size;
            return (name, ReadBinary(slice, kind, shape, elementCount, name, what));
        }

        if (!element.TryGetProperty("data"u8, out var data))
        {
            throw new WireFormatException($"The {what} '{name}' has neither \"data\" nor a binary_data_size parameter.");
        }

        return (name, ReadJson(data, kind, shape, elementCount, name, what));
    }

    private static InferenceTensor ReadBinary(ReadOnlySpan<byte> bytes, TensorElementKind kind, long[] shape, int count, string name, string what)
    {
        if (kind == TensorElementKind.String)
        {
            var strings = new string[count];
            var position = 0;
            for (var i = 0; i < count; i++)
            {
                if (bytes.Length - position < 4)
                {
                    throw new WireFormatException($"The BYTES {what} '{name}' ends after {i} of {count} elements; each element is a 4-byte little-endian length and the bytes.");
                }

                var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes[position..]);
                position += 4;
                if (length > (uint)(bytes.Length - position))
                {
                    throw new WireFormatException($"The BYTES {what} '{name}' element {i} claims {length} bytes but only {bytes.Length - position} remain.");
                }

                strings[i] = Encoding.UTF8.GetString(bytes.Slice(position, (int)length));
                position += (int)length;
            }

            if (position != bytes.Length)
            {
                throw new WireFormatException($"The BYTES {what} '{name}' has {bytes.Length - position} bytes after its {count} elements; binary_data_size must match.");
            }

            return InferenceTensor.CreateString(strings, shape);
        }

        var expected = (long)count * OpenInferenceDatatypes.ElementSize(kind);
        if (bytes.Length != expected)
        {
            throw new WireFormatException($"The {what} '{name}' has binary_data_size {bytes.Length} but shape [{string.Join(',', shape)}] of {OpenInferenceDatatypes.FromKind(kind)} needs {expected} bytes.");
        }

        return kind switch
        {
            TensorElementKind.Float => InferenceTensor.Create<float>(MemoryMarshal.Cast<byte, float>(bytes).ToArray(), shape),
            TensorElementKind.Double => InferenceTensor.Create<double>(MemoryMarshal.Cast<byte, double>(bytes).ToArray(), shape),
            TensorElementKind.Int64 => InferenceTensor.Create<long>(MemoryMarshal.Cast<byte, long>(bytes).ToArray(), shape),
            TensorElementKind.Int32 => InferenceTensor.Create<int>(MemoryMarshal.Cast<byte, int>(bytes).ToArray(), shape),
            _ => InferenceTensor.Create<bool>(ToBools(bytes), shape),
        };
    }

    private static bool[] ToBools(ReadOnlySpan<byte> bytes)
    {
        var result = new bool[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            result[i] = bytes[i] != 0;
        }

        return result;
    }

    private static InferenceTensor ReadJson(JsonElement data, TensorElementKind kind, long[] shape, int count, string name, string what)
    {
        var flat = new List<JsonElement>(count);
        Flatten(data, flat, 0);
        if (flat.Count != count)
        {
            throw new WireFormatException($"The {what} '{name}' has {flat.Count} data elements but shape [{string.Join(',', shape)}] holds {count}; give the data row-major, flat or nested.");
        }

        try
        {
            switch (kind)
            {
                case TensorElementKind.Float:
                    {
                        var values = new float[count];
                        for (var i = 0; i < count; i++)
                        {
                            values[i] = flat[i].GetSingle();
                        }

                        return InferenceTensor.Create<float>(values, shape);
                    }

                case TensorElementKind.Double:
                    {
                        var values = new double[count];
                        for (var i = 0; i < count; i++)
                        {
                            values[i] = flat[i].GetDouble();
                        }

                        return InferenceTensor.Create<double>(values, shape);
                    }

                case TensorElementKind.Int64:
                    {
                        var values = new long[count];
                        for (var i = 0; i < count; i++)
                        {
                            values[i] = flat[i].GetInt64();
                        }

                        return InferenceTensor.Create<long>(values, shape);
                    }

                case TensorElementKind.Int32:
                    {
                        var values = new int[count];
                        for (var i = 0; i < count; i++)
                        {
                            values[i] = flat[i].GetInt32();
                        }

                        return InferenceTensor.Create<int>(values, shape);
                    }

                case TensorElementKind.Bool:
                    {
                        var values = new bool[count];
                        for (var i = 0; i < count; i++)
                        {
                            values[i] = flat[i].GetBoolean();
                        }

                        return InferenceTensor.Create<bool>(values, shape);
                    }

                default:
                    {
                        var values = new string[count];
                        for (var i = 0; i < count; i++)
                        {
                            values[i] = flat[i].GetString() ?? throw new InvalidOperationException();
                        }

                        return InferenceTensor.CreateString(values, shape);
                    }
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException)
        {
            throw new WireFormatException($"The {what} '{name}' has data that is not all {OpenInferenceDatatypes.FromKind(kind)} values (numbers in range, true/false, or strings for BYTES).");
        }
    }

    private static void Flatten(JsonElement element, List<JsonElement> into, int depth)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            into.Add(element);
            return;
        }

        if (depth > 32)
        {
            throw new WireFormatException("The tensor data is nested more than 32 levels deep.");
        }

        foreach (var item in element.EnumerateArray())
        {
            Flatten(item, into, depth + 1);
        }
    }

    private static (ReadOnlyMemory<byte> Json, ReadOnlyMemory<byte> Binary) Split(ReadOnlyMemory<byte> body, int? headerLength)
    {
        if (headerLength is not { } length)
        {
            return (body, ReadOnlyMemory<byte>.Empty);
        }

        if (length == 0)
        {
            throw new WireFormatException($"{HeaderLengthHeader}: 0 (a raw binary request) is not supported; send a JSON header that names the input and its shape.");
        }

        if (length < 0 || length > body.Length)
        {
            throw new WireFormatException($"{HeaderLengthHeader} is {length.ToString(CultureInfo.InvariantCulture)} but the body has {body.Length.ToString(CultureInfo.InvariantCulture)} bytes.");
        }

        return (body[..length], body[length..]);
    }

    private static JsonDocument Parse(ReadOnlyMemory<byte> json)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            throw new WireFormatException($"The body is not valid JSON (line {ex.LineNumber}, byte {ex.BytePositionInLine}).");
        }
    }

    private static void CheckConsumed(int length, int offset)
    {
        if (offset != length)
        {
            throw new WireFormatException($"The body has {length - offset} bytes after the last binary tensor; the binary_data_size parameters must add up to the bytes after the JSON header.");
        }
    }
}
