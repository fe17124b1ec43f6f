using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace MLOps.Features.Redis;

/// <summary>
/// Protobuf wire encoding of Feast's <c>feast.types.Value</c> (<c>protos/feast/types/Value.proto</c>) and of
/// <c>google.protobuf.Timestamp</c>, written by hand with the same field numbers, so the bytes are those Python's
/// <c>ValueProto.SerializeToString()</c> produces (proto3, packed numeric lists). Thread-safe.
/// </summary>
/// <remarks>
/// <para>CLR types, both ways:</para>
/// <list type="table">
/// <listheader><term>Value field (number)</term><description>CLR type</description></listheader>
/// <item><term>unset / <c>null_val</c> (19)</term><description><see langword="null"/> (encoded as an empty message, as Feast writes a null)</description></item>
/// <item><term><c>bytes_val</c> (1), <c>string_val</c> (2)</term><description><c>byte[]</c>, <see cref="string"/></description></item>
/// <item><term><c>int32_val</c> (3), <c>int64_val</c> (4)</term><description><see cref="int"/>, <see cref="long"/></description></item>
/// <item><term><c>double_val</c> (5), <c>float_val</c> (6), <c>bool_val</c> (7)</term><description><see cref="double"/>, <see cref="float"/>, <see cref="bool"/></description></item>
/// <item><term><c>unix_timestamp_val</c> (8)</term><description><see cref="DateTimeOffset"/> (whole seconds; a <see cref="DateTime"/> is accepted when encoding)</description></item>
/// <item><term><c>*_list_val</c> (11–18)</term><description><c>byte[][]</c>, <c>string[]</c>, <c>int[]</c>, <c>long[]</c>, <c>double[]</c>, <c>float[]</c>, <c>bool[]</c>, <c>DateTimeOffset[]</c></description></item>
/// </list>
/// <para>Decoding also accepts the set types (22–29, returned as arrays like the lists), <c>uuid_val</c>/<c>time_uuid_val</c>
/// (30, 31, as strings) and their lists (32, 33), unpacked numeric lists, and unknown fields (skipped). Maps (20, 21)
/// are not supported. Every NaN is written as the quiet NaN Python writes (<c>0x7FF8000000000000</c>, <c>0x7FC00000</c>).</para>
/// </remarks>
public static class FeastValueCodec
{
    private const int VarInt = 0;
    private const int Fixed64 = 1;
    private const int Len = 2;
    private const int Fixed32 = 5;

    /// <summary>Encodes a value as a serialized <c>feast.types.Value</c>.</summary>
    /// <param name="value">A value of one of the CLR types in the remarks, or <see langword="null"/>.</param>
    /// <returns>The message bytes; empty for <see langword="null"/>.</returns>
    /// <exception cref="FeatureStoreException">The CLR type has no Feast counterpart.</exception>
    public static byte[] Encode(object? value)
    {
        if (value is null)
        {
            return [];
        }

        var w = new ArrayBufferWriter<byte>(16);
        switch (value)
        {
            case byte[] b: WriteBytesField(w, 1, b); break;
            case string s: WriteBytesField(w, 2, Encoding.UTF8.GetBytes(s)); break;
            case int i: WriteTag(w, 3, VarInt); WriteVarInt(w, (ulong)(long)i); break;
            case long l: WriteTag(w, 4, VarInt); WriteVarInt(w, (ulong)l); break;
            case double d: WriteTag(w, 5, Fixed64); WriteFixed64(w, DoubleBits(d)); break;
            case float f: WriteTag(w, 6, Fixed32); WriteFixed32(w, SingleBits(f)); break;
            case bool b: WriteTag(w, 7, VarInt); WriteVarInt(w, b ? 1UL : 0UL); break;
            case DateTimeOffset t: WriteTag(w, 8, VarInt); WriteVarInt(w, (ulong)t.ToUnixTimeSeconds()); break;
            case DateTime t: WriteTag(w, 8, VarInt); WriteVarInt(w, (ulong)ToOffset(t).ToUnixTimeSeconds()); break;
            case byte[][] a: WriteMessage(w, 11, a, static (m, x) => { foreach (var b in x) { WriteBytesField(m, 1, b ?? []); } }); break;
            case string[] a: WriteMessage(w, 12, a, static (m, x) => { foreach (var s in x) { WriteBytesField(m, 1, Encoding.UTF8.GetBytes(s ?? "")); } }); break;
            case int[] a: WritePacked(w, 13, a, static (m, x) => { foreach (var v in x) { WriteVarInt(m, (ulong)(long)v); } }); break;
            case long[] a: WritePacked(w, 14, a, static (m, x) => { foreach (var v in x) { WriteVarInt(m, (ulong)v); } }); break;
            case double[] a: WritePacked(w, 15, a, static (m, x) => { foreach (var v in x) { WriteFixed64(m, DoubleBits(v)); } }); break;
            case float[] a: WritePacked(w, 16, a, static (m, x) => { foreach (var v in x) { WriteFixed32(m, SingleBits(v)); } }); break;
            case bool[] a: WritePacked(w, 17, a, static (m, x) => { foreach (var v in x) { WriteVarInt(m, v ? 1UL : 0UL); } }); break;
            case DateTimeOffset[] a: WritePacked(w, 18, a, static (m, x) => { foreach (var v in x) { WriteVarInt(m, (ulong)v.ToUnixTimeSeconds()); } }); break;
            default:
                throw new FeatureStoreException($"A value of type {value.GetType().FullName} has no Feast ValueProto counterpart; use bytes, string, int, long, double, float, bool, DateTimeOffset or an array of one of them.");
        }

        return w.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a serialized <c>feast.types.Value</c>.</summary>
    /// <param name="message">The message bytes (empty for a null value).</param>
    /// <returns>The value as the CLR type in the remarks, or <see langword="null"/> when unset or <c>null_val</c>.</returns>
    /// <exception cref="FeatureStoreException">The bytes are not a valid message, or hold a map.</exception>
    public static object? Decode(ReadOnlySpan<byte> message)
    {
        object? result = null;
        var pos = 0;
        while (pos < message.Length)
        {
            var tag = ReadVarInt(message, ref pos);
            var field = (int)(tag >> 3);
            var wire = (int)(tag & 7);
            switch (field, wire)
            {
                case (1, Len): result = ReadLen(message, ref pos).ToArray(); break;
                case (2 or 30 or 31, Len): result = Encoding.UTF8.GetString(ReadLen(message, ref pos)); break;
                case (3, VarInt): result = (int)ReadVarInt(message, ref pos); break;
                case (4, VarInt): result = (long)ReadVarInt(message, ref pos); break;
                case (5, Fixed64): result = BitConverter.UInt64BitsToDouble(ReadFixed64(message, ref pos)); break;
                case (6, Fixed32): result = BitConverter.UInt32BitsToSingle(ReadFixed32(message, ref pos)); break;
                case (7, VarInt): result = ReadVarInt(message, ref pos) != 0; break;
                case (8, VarInt): result = DateTimeOffset.FromUnixTimeSeconds((long)ReadVarInt(message, ref pos)); break;
                case (11 or 22, Len): result = ReadRepeated(ReadLen(message, ref pos), static b => b.ToArray()); break;
                case (12 or 23 or 32 or 33, Len): result = ReadRepeated(ReadLen(message, ref pos), static b => Encoding.UTF8.GetString(b)); break;
                case (13 or 24, Len): result = ReadNumbers(ReadLen(message, ref pos), VarInt, static v => (int)v); break;
                case (14 or 25, Len): result = ReadNumbers(ReadLen(message, ref pos), VarInt, static v => (long)v); break;
                case (15 or 26, Len): result = ReadNumbers(ReadLen(message, ref pos), Fixed64, static v => BitConverter.UInt64BitsToDouble(v)); break;
                case (16 or 27, Len): result = ReadNumbers(ReadLen(message, ref pos), Fixed32, static v => BitConverter.UInt32BitsToSingle((uint)v)); break;
                case (17 or 28, Len): result = ReadNumbers(ReadLen(message, ref pos), VarInt, static v => v != 0); break;
                case (18 or 29, Len): result = ReadNumbers(ReadLen(message, ref pos), VarInt, static v => DateTimeOffset.FromUnixTimeSeconds((long)v)); break;
                case (19, VarInt): ReadVarInt(message, ref pos); result = null; break;
                case (20 or 21, Len): throw new FeatureStoreException($"The stored Feast value is a map (Value field {field}); maps are not supported.");
                default: Skip(message, ref pos, wire); break;
            }
        }

        return result;
    }

    /// <summary>Encodes <paramref name="time"/> as a serialized <c>google.protobuf.Timestamp</c> (seconds, then nanos when non-zero).</summary>
    /// <param name="time">The time; sub-second precision is kept as nanos.</param>
    /// <returns>The message bytes.</returns>
    public static byte[] EncodeTimestamp(DateTimeOffset time)
    {
        var (seconds, nanos) = ToSecondsNanos(time);
        var w = new ArrayBufferWriter<byte>(16);
        if (seconds != 0)
        {
            WriteTag(w, 1, VarInt);
            WriteVarInt(w, (ulong)seconds);
        }

        if (nanos != 0)
        {
            WriteTag(w, 2, VarInt);
            WriteVarInt(w, (ulong)(long)nanos);
        }

        return w.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a serialized <c>google.protobuf.Timestamp</c>.</summary>
    /// <param name="message">The message bytes.</param>
    /// <returns>The time (UTC), to 100 ns.</returns>
    /// <exception cref="FeatureStoreException">The bytes are not a valid message.</exception>
    public static DateTimeOffset DecodeTimestamp(ReadOnlySpan<byte> message)
    {
        long seconds = 0;
        var nanos = 0;
        var pos = 0;
        while (pos < message.Length)
        {
            var tag = ReadVarInt(message, ref pos);
            switch ((int)(tag >> 3), (int)(tag & 7))
            {
                case (1, VarInt): seconds = (long)ReadVarInt(message, ref pos); break;
                case (2, VarInt): nanos = (int)ReadVarInt(message, ref pos); break;
                default: Skip(message, ref pos, (int)(tag & 7)); break;
            }
        }

        return DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanos / 100);
    }

    internal static (long Seconds, int Nanos) ToSecondsNanos(DateTimeOffset time)
    {
        var ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rem);
        if (rem < 0)
        {
            seconds--;
            rem += TimeSpan.TicksPerSecond;
        }

        return (seconds, (int)(rem * 100));
    }

    // .NET's NaN constants have the sign bit set (0xFFF8…); Python, NumPy and pandas write 0x7FF8…. Every NaN is
    // written as the latter so that the bytes equal what Feast writes.
    private static ulong DoubleBits(double d) => double.IsNaN(d) ? 0x7FF8000000000000UL : BitConverter.DoubleToUInt64Bits(d);

    private static uint SingleBits(float f) => float.IsNaN(f) ? 0x7FC00000U : BitConverter.SingleToUInt32Bits(f);

    private static DateTimeOffset ToOffset(DateTime t) => t.Kind == DateTimeKind.Unspecified
        ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc))
        : new DateTimeOffset(t.ToUniversalTime());

    private static void WriteTag(IBufferWriter<byte> w, int field, int wire) => WriteVarInt(w, (ulong)((field << 3) | wire));

    private static void WriteVarInt(IBufferWriter<byte> w, ulong v)
    {
        var span = w.GetSpan(10);
        var n = 0;
        while (v >= 0x80)
        {
            span[n++] = (byte)(v | 0x80);
            v >>= 7;
        }

        span[n++] = (byte)v;
        w.Advance(n);
    }

    private static void WriteFixed64(IBufferWriter<byte> w, ulong v)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(w.GetSpan(8), v);
        w.Advance(8);
    }

    private static void WriteFixed32(IBufferWriter<byte> w, uint v)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(w.GetSpan(4), v);
        w.Advance(4);
    }

    private static void WriteBytesField(IBufferWriter<byte> w, int field, ReadOnlySpan<byte> bytes)
    {
        WriteTag(w, field, Len);
        WriteVarInt(w, (ulong)bytes.Length);
        w.Write(bytes);
    }

    // A list message (BytesList, StringList): its repeated field 1 is written into a buffer, then framed.
    private static void WriteMessage<T>(IBufferWriter<byte> w, int field, T state, Action<IBufferWriter<byte>, T> body)
    {
        var inner = new ArrayBufferWriter<byte>(64);
        body(inner, state);
        WriteBytesField(w, field, inner.WrittenSpan);
    }

    // A numeric list message: field 1 packed (proto3 default); an empty list is an empty message.
    private static void WritePacked<T>(IBufferWriter<byte> w, int field, T[] values, Action<IBufferWriter<byte>, T[]> body)
    {
        if (values.Length == 0)
        {
            WriteBytesField(w, field, []);
            return;
        }

        var packed = new ArrayBufferWriter<byte>(values.Length * 4);
        body(packed, values);
        var message = new ArrayBufferWriter<byte>(packed.WrittenCount + 8);
        WriteBytesField(message, 1, packed.WrittenSpan);
        WriteBytesField(w, field, message.WrittenSpan);
    }

    private static ulong ReadVarInt(ReadOnlySpan<byte> s, ref int pos)
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (pos >= s.Length)
            {
                throw Malformed();
            }

            var b = s[pos++];
            result |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw Malformed();
    }

    private static ulong ReadFixed64(ReadOnlySpan<byte> s, ref int pos)
    {
        if (pos + 8 > s.Length)
        {
            throw Malformed();
        }

        var v = BinaryPrimitives.ReadUInt64LittleEndian(s.Slice(pos, 8));
        pos += 8;
        return v;
    }

    private static uint ReadFixed32(ReadOnlySpan<byte> s, ref int pos)
    {
        if (pos + 4 > s.Length)
        {
            throw Malformed();
        }

        var v = BinaryPrimitives.ReadUInt32LittleEndian(s.Slice(pos, 4));
        pos += 4;
        return v;
    }

    private static ReadOnlySpan<byte> ReadLen(ReadOnlySpan<byte> s, ref int pos)
    {
        var n = ReadVarInt(s, ref pos);
        if (n > (ulong)(s.Length - pos))
        {
            throw Malformed();
        }

        var slice = s.Slice(pos, (int)n);
        pos += (int)n;
        return slice;
    }

    private static void Skip(ReadOnlySpan<byte> s, ref int pos, int wire)
    {
        switch (wire)
        {
            case VarInt: ReadVarInt(s, ref pos); break;
            case Fixed64: ReadFixed64(s, ref pos); break;
            case Len: ReadLen(s, ref pos); break;
            case Fixed32: ReadFixed32(s, ref pos); break;
            default: throw Malformed();
        }
    }

    // A BytesList or StringList message: field 1 repeated, one LEN field per element.
    private static T[] ReadRepeated<T>(ReadOnlySpan<byte> m, Func<ReadOnlySpan<byte>, T> convert)
    {
        var list = new List<T>();
        var pos = 0;
        while (pos < m.Length)
        {
            var tag = ReadVarInt(m, ref pos);
            if (tag == ((1 << 3) | Len))
            {
                list.Add(convert(ReadLen(m, ref pos)));
            }
            else
            {
                Skip(m, ref pos, (int)(tag & 7));
            }
        }

        return [.. list];
    }

    // A numeric list message: field 1 packed (LEN) or unpacked (one field of wire type `wire` per element); both are valid on the wire.
    private static T[] ReadNumbers<T>(ReadOnlySpan<byte> m, int wire, Func<ulong, T> convert)
    {
        var list = new List<T>();
        var pos = 0;
        while (pos < m.Length)
        {
            var tag = ReadVarInt(m, ref pos);
            if (tag == ((1 << 3) | Len))
            {
                var packed = ReadLen(m, ref pos);
                var p = 0;
                while (p < packed.Length)
                {
                    list.Add(convert(ReadScalar(packed, ref p, wire)));
                }
            }
            else if (tag == (ulong)((1 << 3) | wire))
            {
                list.Add(convert(ReadScalar(m, ref pos, wire)));
            }
            else
            {
                Skip(m, ref pos, (int)(tag & 7));
            }
        }

        return [.. list];
    }

    private static ulong ReadScalar(ReadOnlySpan<byte> s, ref int pos, int wire) => wire switch
    {
        Fixed64 => ReadFixed64(s, ref pos),
        Fixed32 => ReadFixed32(s, ref pos),
        _ => ReadVarInt(s, ref pos),
    };

    private static FeatureStoreException Malformed() => new("A stored Feast value is not a valid protobuf message (truncated or bad wire type); the key was not written by Feast or this store.");
}
