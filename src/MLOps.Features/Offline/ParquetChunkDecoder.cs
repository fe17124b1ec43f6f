using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Parquet.Meta;

namespace MLOps.Features.Offline;

/// <summary>How a fast-path column's values are stored: the Parquet physical type and, for timestamps, the unit.</summary>
internal enum FastKind
{
    Int32,
    Int64,
    Float,
    Double,

    /// <summary>INT64 timestamp; values are converted to microseconds with <see cref="FastColumn.TimestampScale"/>.</summary>
    Timestamp,
}

/// <summary>A flat column the fast decoder can read: where it is, how it is stored.</summary>
/// <param name="ChunkIndex">Index of the column chunk in each row group.</param>
/// <param name="Kind">Physical kind.</param>
/// <param name="Optional">Whether the column has definition levels (max level 1).</param>
/// <param name="TimestampScale">Micros per raw unit: 1 micros, 1000 millis, -1000 nanos (divide).</param>
internal sealed record FastColumn(int ChunkIndex, FastKind Kind, bool Optional, long TimestampScale);

/// <summary>
/// Decodes one flat Parquet column chunk straight into a caller-owned array, for the common case: INT32, INT64,
/// FLOAT or DOUBLE (INT64 timestamps included), REQUIRED or OPTIONAL, PLAIN or dictionary encoded, data pages v1 or v2,
/// uncompressed or Snappy. Anything else is left to Parquet.Net (<see cref="TryPlan"/> returns <see langword="null"/>).
/// Reads with positional I/O, so one file handle serves every thread. Scratch buffers come from <see cref="ArrayPool{T}"/>.
/// </summary>
internal static class ParquetChunkDecoder
{
    /// <summary>Decides whether the fast path reads the column <paramref name="name"/>; <see langword="null"/> when not.</summary>
    public static FastColumn? TryPlan(FileMetaData meta, string name, System.Type clrType)
    {
        // Flat schemas only: the root's direct, childless children.
        var schema = meta.Schema;
        SchemaElement? element = null;
        if (schema.Count > 1)
        {
            var children = schema[0].NumChildren ?? 0;
            var index = 1;
            for (var c = 0; c < children && index < schema.Count; c++)
            {
                var e = schema[index];
                if ((e.NumChildren ?? 0) > 0)
                {
                    // A group: its subtree cannot be skipped cheaply here; stop and fall back for everything after it.
                    return null;
                }

                if (string.Equals(e.Name, name, StringComparison.Ordinal))
                {
                    element = e;
                    break;
                }

                index++;
            }
        }

        if (element is null || element.RepetitionType == FieldRepetitionType.REPEATED || meta.RowGroups.Count == 0)
        {
            return null;
        }

        var chunkIndex = -1;
        var columns = meta.RowGroups[0].Columns;
        for (var i = 0; i < columns.Count; i++)
        {
            if (columns[i].MetaData is { PathInSchema: [var only] } && string.Equals(only, name, StringComparison.Ordinal))
            {
                chunkIndex = i;
                break;
            }
        }

        if (chunkIndex < 0)
        {
            return null;
        }

        var optional = element.RepetitionType == FieldRepetitionType.OPTIONAL;
        FastKind? kind = (element.Type, clrType) switch
        {
            (Parquet.Meta.Type.INT32, var t) when t == typeof(int) => FastKind.Int32,
            (Parquet.Meta.Type.INT64, var t) when t == typeof(long) => FastKind.Int64,
            (Parquet.Meta.Type.FLOAT, var t) when t == typeof(float) => FastKind.Float,
            (Parquet.Meta.Type.DOUBLE, var t) when t == typeof(double) => FastKind.Double,
            (Parquet.Meta.Type.INT64, var t) when t == typeof(DateTime) || t == typeof(DateTimeOffset) => FastKind.Timestamp,
            _ => null,
        };
        if (kind is null)
        {
            return null;
        }

        long scale = 1;
        if (kind == FastKind.Timestamp)
        {
            if (element.LogicalType?.TIMESTAMP is { } ts)
            {
                scale = ts.Unit?.MICROS is not null ? 1 : ts.Unit?.MILLIS is not null ? 1000 : ts.Unit?.NANOS is not null ? -1000 : 0;
            }
            else
            {
                scale = element.ConvertedType switch
                {
                    ConvertedType.TIMESTAMP_MICROS => 1,
                    ConvertedType.TIMESTAMP_MILLIS => 1000,
                    _ => 0,
                };
            }

            if (scale == 0)
            {
                return null;
            }
        }

        return new FastColumn(chunkIndex, kind.Value, optional, scale);
    }

    /// <summary>Whether every row group stores the column in a way <see cref="Decode"/> handles.</summary>
    public static bool Supports(ColumnMetaData? meta) =>
        meta is not null && meta.Codec is CompressionCodec.UNCOMPRESSED or CompressionCodec.SNAPPY;

    /// <summary>
    /// Decodes the chunk of <paramref name="column"/> in <paramref name="rowGroup"/> into <paramref name="values"/>
    /// (an <c>int[]</c>, <c>long[]</c>, <c>float[]</c> or <c>double[]</c> of at least <paramref name="rows"/>) and, for an
    /// optional column, <paramref name="nulls"/> (true = null). Returns whether any value was null.
    /// </summary>
    /// <exception cref="NotSupportedException">A page uses an encoding the fast path does not read (caller falls back).</exception>
    public static bool Decode(SafeFileHandle file, RowGroup rowGroup, FastColumn column, int rows, Array values, bool[]? nulls)
    {
        var meta = rowGroup.Columns[column.ChunkIndex].MetaData!;
        var start = meta.DictionaryPageOffset is > 0 and var d && d < meta.DataPageOffset ? d : meta.DataPageOffset;
        var length = checked((int)meta.TotalCompressedSize);
        var raw = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var read = 0;
            while (read < length)
            {
                var n = RandomAccess.Read(file, raw.AsSpan(read, length - read), start + read);
                if (n == 0)
                {
                    throw new FeatureStoreException($"The Parquet file ended inside a column chunk of '{string.Join('.', meta.PathInSchema)}'; the file is truncated.");
                }

                read += n;
            }

            return column.Kind switch
            {
                FastKind.Int32 => DecodeChunk<int>(raw.AsSpan(0, length), meta.Codec, column, rows, (int[])values, nulls),
                FastKind.Float => DecodeChunk<float>(raw.AsSpan(0, length), meta.Codec, column, rows, (float[])values, nulls),
                FastKind.Double => DecodeChunk<double>(raw.AsSpan(0, length), meta.Codec, column, rows, (double[])values, nulls),
                _ => DecodeInt64(raw.AsSpan(0, length), meta.Codec, column, rows, (long[])values, nulls),
            };
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
    }

    private static bool DecodeInt64(ReadOnlySpan<byte> chunk, CompressionCodec codec, FastColumn column, int rows, long[] values, bool[]? nulls)
    {
        var anyNull = DecodeChunk(chunk, codec, column, rows, values, nulls);
        if (column.Kind == FastKind.Timestamp && column.TimestampScale != 1)
        {
            var span = values.AsSpan(0, rows);
            if (column.TimestampScale > 0)
            {
                for (var i = 0; i < span.Length; i++)
                {
                    span[i] *= column.TimestampScale;
                }
            }
            else
            {
                var divisor = -column.TimestampScale;
                for (var i = 0; i < span.Length; i++)
                {
                    span[i] = Math.DivRem(span[i], divisor, out var rem) - (rem < 0 ? 1 : 0);
                }
            }
        }

        return anyNull;
    }

    private static bool DecodeChunk<T>(ReadOnlySpan<byte> chunk, CompressionCodec codec, FastColumn column, int rows, T[] values, bool[]? nulls)
        where T : unmanaged
    {
        T[]? dictionary = null;
        var dictionaryCount = 0;
        var row = 0;
        var anyNull = false;
        var pos = 0;
        byte[]? page = null;
        int[]? scratch = null;
        try
        {
            while (row < rows && pos < chunk.Length)
            {
                var header = PageHeaderReader.Read(chunk, ref pos);
                var body = chunk.Slice(pos, header.CompressedSize);
                pos += header.CompressedSize;
                switch (header.Type)
                {
                    case PageType.DICTIONARY_PAGE:
                    {
                        page = EnsurePage(page, header.UncompressedSize, codec);
                        var plain = Uncompress(body, header.UncompressedSize, codec, page);
                        if (header.Encoding is not (Encoding.PLAIN or Encoding.PLAIN_DICTIONARY))
                        {
                            throw new NotSupportedException("dictionary encoding");
                        }

                        if (dictionary is not null)
                        {
                            ArrayPool<T>.Shared.Return(dictionary);
                        }

                        dictionaryCount = header.NumValues;
                        dictionary = ArrayPool<T>.Shared.Rent(Math.Max(1, dictionaryCount));
                        MemoryMarshal.Cast<byte, T>(plain)[..dictionaryCount].CopyTo(dictionary);
                        break;
                    }

                    case PageType.DATA_PAGE:
                    case PageType.DATA_PAGE_V2:
                    {
                        var count = Math.Min(header.NumValues, rows - row);
                        ReadOnlySpan<byte> levels;
                        ReadOnlySpan<byte> data;
                        if (header.Type == PageType.DATA_PAGE && !column.Optional && header.Encoding == Encoding.PLAIN
                            && count == header.NumValues && header.UncompressedSize == count * Unsafe.SizeOf<T>())
                        {
                            // A v1 page of a required PLAIN column is exactly the values: decompress straight into place.
                            var target = MemoryMarshal.AsBytes(values.AsSpan(row, count));
                            if (codec == CompressionCodec.UNCOMPRESSED)
                            {
                                body[..target.Length].CopyTo(target);
                            }
                            else if (Snappier.Snappy.Decompress(body, target) != target.Length)
                            {
                                throw new FeatureStoreException("A Parquet page decompressed to fewer bytes than its header states; the file is corrupt.");
                            }

                            row += count;
                            break;
                        }

                        if (header.Type == PageType.DATA_PAGE)
                        {
                            page = EnsurePage(page, header.UncompressedSize, codec);
                            data = Uncompress(body, header.UncompressedSize, codec, page);
                            levels = default;
                            if (column.Optional)
                            {
                                var len = BinaryPrimitives.ReadInt32LittleEndian(data);
                                levels = data.Slice(4, len);
                                data = data[(4 + len)..];
                            }
                        }
                        else
                        {
                            if (header.RepetitionLevelsLength != 0)
                            {
                                throw new NotSupportedException("repetition levels");
                            }

                            levels = body[..header.DefinitionLevelsLength];
                            var rest = body[header.DefinitionLevelsLength..];
                            if (header.IsCompressed)
                            {
                                page = EnsurePage(page, header.UncompressedSize - header.DefinitionLevelsLength, codec);
                                data = Uncompress(rest, header.UncompressedSize - header.DefinitionLevelsLength, codec, page);
                            }
                            else
                            {
                                data = rest;
                            }
                        }

                        var present = count;
                        if (column.Optional)
                        {
                            scratch = Rent(scratch, count);
                            RleHybrid.Decode(levels, 1, scratch.AsSpan(0, count));
                            var target = nulls.AsSpan(row, count);
                            present = 0;
                            for (var i = 0; i < count; i++)
                            {
                                var isNull = scratch[i] == 0;
                                target[i] = isNull;
                                present += isNull ? 0 : 1;
                            }

                            anyNull |= present != count;
                        }

                        var dense = values.AsSpan(row, present);
                        if (header.Encoding == Encoding.PLAIN)
                        {
                            MemoryMarshal.Cast<byte, T>(data)[..present].CopyTo(dense);
                        }
                        else if (header.Encoding is Encoding.RLE_DICTIONARY or Encoding.PLAIN_DICTIONARY && dictionary is not null)
                        {
                            if (present == 0)
                            {
                                row += count;
                                break;
                            }

                            scratch = Rent(scratch, present);
                            var indices = scratch.AsSpan(0, present);
                            RleHybrid.Decode(data[1..], data[0], indices);
                            for (var i = 0; i < indices.Length; i++)
                            {
                                var k = indices[i];
                                if ((uint)k >= (uint)dictionaryCount)
                                {
                                    throw new FeatureStoreException($"A Parquet dictionary index {k} is out of range ({dictionaryCount} entries); the file is corrupt.");
                                }

                                dense[i] = dictionary[k];
                            }
                        }
                        else if (header.Encoding == Encoding.DELTA_BINARY_PACKED && typeof(T) == typeof(long))
                        {
                            DeltaBinaryPacked.Decode(data, MemoryMarshal.Cast<T, long>(dense));
                        }
                        else if (header.Encoding == Encoding.DELTA_BINARY_PACKED && typeof(T) == typeof(int))
                        {
                            DeltaBinaryPacked.Decode(data, MemoryMarshal.Cast<T, int>(dense));
                        }
                        else if (header.Encoding == Encoding.BYTE_STREAM_SPLIT)
                        {
                            var width = Unsafe.SizeOf<T>();
                            var bytes = MemoryMarshal.AsBytes(dense);
                            for (var i = 0; i < present; i++)
                            {
                                for (var k = 0; k < width; k++)
                                {
                                    bytes[(i * width) + k] = data[(k * present) + i];
                                }
                            }
                        }
                        else
                        {
                            throw new NotSupportedException(header.Encoding.ToString());
                        }

                        if (present != count)
                        {
                            // Spread the dense values over the non-null rows, back to front (in place).
                            var all = values.AsSpan(row, count);
                            var isNull = nulls.AsSpan(row, count);
                            var k = present;
                            for (var i = count - 1; i >= 0 && k > 0; i--)
                            {
                                if (isNull[i])
                                {
                                    all[i] = default;
                                }
                                else
                                {
                                    all[i] = all[--k];
                                }
                            }

                            for (var i = 0; i < count && isNull[i]; i++)
                            {
                                all[i] = default;
                            }
                        }

                        row += count;
                        break;
                    }

                    default:
                        // Index pages and unknown page types carry no values.
                        break;
                }
            }

            if (row != rows)
            {
                throw new FeatureStoreException($"A Parquet column chunk held {row} values where its row group has {rows} rows; the file is corrupt.");
            }

            return anyNull;
        }
        finally
        {
            if (dictionary is not null)
            {
                ArrayPool<T>.Shared.Return(dictionary);
            }

            if (page is not null)
            {
                ArrayPool<byte>.Shared.Return(page);
            }

            if (scratch is not null)
            {
                ArrayPool<int>.Shared.Return(scratch);
            }
        }
    }

    private static int[] Rent(int[]? current, int size)
    {
        if (current is not null && current.Length >= size)
        {
            return current;
        }

        if (current is not null)
        {
            ArrayPool<int>.Shared.Return(current);
        }

        return ArrayPool<int>.Shared.Rent(Math.Max(size, 1024));
    }

    private static byte[]? EnsurePage(byte[]? buffer, int size, CompressionCodec codec)
    {
        if (codec == CompressionCodec.UNCOMPRESSED || (buffer is not null && buffer.Length >= size))
        {
            return buffer;
        }

        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
    }

    private static ReadOnlySpan<byte> Uncompress(ReadOnlySpan<byte> body, int size, CompressionCodec codec, byte[]? buffer)
    {
        if (codec == CompressionCodec.UNCOMPRESSED)
        {
            return body;
        }

        var written = Snappier.Snappy.Decompress(body, buffer.AsSpan(0, size));
        return buffer.AsSpan(0, written);
    }
}

/// <summary>The fields of a Parquet page header the decoder needs.</summary>
internal readonly record struct PageHeaderInfo(
    PageType Type, int UncompressedSize, int CompressedSize, int NumValues, Encoding Encoding,
    int DefinitionLevelsLength, int RepetitionLevelsLength, bool IsCompressed);

/// <summary>Reads a Thrift compact-protocol <c>PageHeader</c> (parquet.thrift) from a buffer.</summary>
internal static class PageHeaderReader
{
    public static PageHeaderInfo Read(ReadOnlySpan<byte> buffer, ref int pos)
    {
        PageType type = default;
        int uncompressed = 0, compressed = 0, numValues = 0, defLen = 0, repLen = 0;
        var encoding = Encoding.PLAIN;
        var isCompressed = true;
        short last = 0;
        while (NextField(buffer, ref pos, ref last, out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == 5: type = (PageType)ReadI32(buffer, ref pos); break;
                case 2 when t == 5: uncompressed = ReadI32(buffer, ref pos); break;
                case 3 when t == 5: compressed = ReadI32(buffer, ref pos); break;
                case 5 when t == 12:
                case 7 when t == 12:
                {
                    // DataPageHeader / DictionaryPageHeader: 1 num_values, 2 encoding.
                    short inner = 0;
                    while (NextField(buffer, ref pos, ref inner, out var fid, out var ft))
                    {
                        if (fid == 1 && ft == 5)
                        {
                            numValues = ReadI32(buffer, ref pos);
                        }
                        else if (fid == 2 && ft == 5)
                        {
                            encoding = (Encoding)ReadI32(buffer, ref pos);
                        }
                        else
                        {
                            Skip(buffer, ref pos, ft);
                        }
                    }

                    break;
                }

                case 8 when t == 12:
                {
                    // DataPageHeaderV2: 1 num_values, 2 num_nulls, 3 num_rows, 4 encoding, 5/6 level lengths, 7 is_compressed.
                    short inner = 0;
                    while (NextField(buffer, ref pos, ref inner, out var fid, out var ft))
                    {
                        switch (fid)
                        {
                            case 1 when ft == 5: numValues = ReadI32(buffer, ref pos); break;
                            case 4 when ft == 5: encoding = (Encoding)ReadI32(buffer, ref pos); break;
                            case 5 when ft == 5: defLen = ReadI32(buffer, ref pos); break;
                            case 6 when ft == 5: repLen = ReadI32(buffer, ref pos); break;
                            case 7 when ft is 1 or 2: isCompressed = ft == 1; break;
                            default: Skip(buffer, ref pos, ft); break;
                        }
                    }

                    break;
                }

                default:
                    Skip(buffer, ref pos, t);
                    break;
            }
        }

        return new PageHeaderInfo(type, uncompressed, compressed, numValues, encoding, defLen, repLen, isCompressed);
    }

    private static bool NextField(ReadOnlySpan<byte> b, ref int pos, ref short last, out short id, out int type)
    {
        var header = b[pos++];
        if (header == 0)
        {
            id = 0;
            type = 0;
            return false;
        }

        type = header & 0x0F;
        var delta = header >> 4;
        id = delta == 0 ? (short)ReadI32(b, ref pos) : (short)(last + delta);
        last = id;
        return true;
    }

    /// <summary>Reads an unsigned LEB128 varint (page headers, DELTA_BINARY_PACKED headers).</summary>
    /// <param name="b">The bytes.</param>
    /// <param name="pos">The position, moved past the varint.</param>
    /// <param name="what">What holds it, for the corrupt-file message.</param>
    /// <returns>The value.</returns>
    internal static ulong ReadVarint(ReadOnlySpan<byte> b, ref int pos, string what = "page header")
    {
        ulong result = 0;
        var shift = 0;
        while (true)
        {
            var x = b[pos++];
            result |= (ulong)(x & 0x7F) << shift;
            if ((x & 0x80) == 0)
            {
                return result;
            }

            shift += 7;
            if (shift > 63)
            {
                throw new FeatureStoreException($"A Parquet {what} holds a malformed varint; the file is corrupt.");
            }
        }
    }

    private static int ReadI32(ReadOnlySpan<byte> b, ref int pos)
    {
        var v = (uint)ReadVarint(b, ref pos);
        return (int)(v >> 1) ^ -(int)(v & 1);
    }

    private static void Skip(ReadOnlySpan<byte> b, ref int pos, int type)
    {
        switch (type)
        {
            case 1:
            case 2:
                break; // booleans live in the field header
            case 3:
                pos++;
                break;
            case 4:
            case 5:
            case 6:
                ReadVarint(b, ref pos);
                break;
            case 7:
                pos += 8;
                break;
            case 8:
            {
                // Not 'pos += ReadVarint(...)': that would add to the position before the varint was read.
                var length = checked((int)ReadVarint(b, ref pos));
                pos += length;
                break;
            }

            case 9:
            case 10:
            {
                var h = b[pos++];
                var size = h >> 4;
                if (size == 15)
                {
                    size = checked((int)ReadVarint(b, ref pos));
                }

                var element = h & 0x0F;
                for (var i = 0; i < size; i++)
                {
                    SkipElement(b, ref pos, element);
                }

                break;
            }

            case 11:
            {
                var size = checked((int)ReadVarint(b, ref pos));
                if (size > 0)
                {
                    var kv = b[pos++];
                    for (var i = 0; i < size; i++)
                    {
                        SkipElement(b, ref pos, kv >> 4);
                        SkipElement(b, ref pos, kv & 0x0F);
                    }
                }

                break;
            }

            case 12:
            {
                short last = 0;
                while (NextField(b, ref pos, ref last, out _, out var t))
                {
                    Skip(b, ref pos, t);
                }

                break;
            }

            default:
                throw new FeatureStoreException($"A Parquet page header holds the unknown Thrift type {type}; the file is corrupt.");
        }
    }

    private static void SkipElement(ReadOnlySpan<byte> b, ref int pos, int type)
    {
        if (type is 1 or 2)
        {
            pos++; // a boolean element takes one byte
        }
        else
        {
            Skip(b, ref pos, type);
        }
    }
}

/// <summary>The Parquet RLE / bit-packing hybrid encoding (definition levels and dictionary indices).</summary>
internal static class RleHybrid
{
    /// <summary>Fills <paramref name="output"/> with the next <c>output.Length</c> values.</summary>
    public static void Decode(ReadOnlySpan<byte> data, int bitWidth, Span<int> output)
    {
        if (bitWidth is < 0 or > 32)
        {
            throw new FeatureStoreException($"A Parquet RLE run has bit width {bitWidth}; the file is corrupt.");
        }

        var pos = 0;
        var produced = 0;
        var byteWidth = (bitWidth + 7) / 8;
        var mask = bitWidth == 32 ? uint.MaxValue : (1u << bitWidth) - 1;
        while (produced < output.Length)
        {
            if (pos >= data.Length)
            {
                throw new FeatureStoreException("A Parquet RLE run ends early; the file is corrupt.");
            }

            var header = ReadVarint(data, ref pos);
            if ((header & 1) == 0)
            {
                var run = (int)Math.Min(header >> 1, (uint)(output.Length - produced));
                var value = 0;
                for (var i = 0; i < byteWidth; i++)
                {
                    value |= data[pos + i] << (8 * i);
                }

                pos += byteWidth;
                output.Slice(produced, run).Fill(value);
                produced += run;
            }
            else
            {
                var values = (int)(header >> 1) * 8;
                var bytes = (int)(header >> 1) * bitWidth;
                var packed = data.Slice(pos, Math.Min(bytes, data.Length - pos));
                var take = Math.Min(values, output.Length - produced);
                Unpack(packed, bitWidth, mask, output.Slice(produced, take));
                produced += take;
                pos += bytes;
            }
        }
    }

    private static void Unpack(ReadOnlySpan<byte> packed, int bitWidth, uint mask, Span<int> output)
    {
        if (bitWidth == 0)
        {
            output.Clear();
            return;
        }

        long bit = 0;
        var i = 0;

        // Fast part: an 8-byte little-endian window always fits.
        var safeEnd = (long)(packed.Length - 8) * 8;
        for (; i < output.Length && bit <= safeEnd; i++, bit += bitWidth)
        {
            var word = BinaryPrimitives.ReadUInt64LittleEndian(packed[(int)(bit >> 3)..]);
            output[i] = (int)((uint)(word >> (int)(bit & 7)) & mask);
        }

        for (; i < output.Length; i++, bit += bitWidth)
        {
            ulong word = 0;
            var at = (int)(bit >> 3);
            for (var k = 0; k < 8 && at + k < packed.Length; k++)
            {
                word |= (ulong)packed[at + k] << (8 * k);
            }

            output[i] = (int)((uint)(word >> (int)(bit & 7)) & mask);
        }
    }

    private static uint ReadVarint(ReadOnlySpan<byte> b, ref int pos)
    {
        uint result = 0;
        var shift = 0;
        while (true)
        {
            var x = b[pos++];
            result |= (uint)(x & 0x7F) << shift;
            if ((x & 0x80) == 0)
            {
                return result;
            }

            shift += 7;
            if (shift > 28)
            {
                throw new FeatureStoreException("A Parquet RLE header is a malformed varint; the file is corrupt.");
            }
        }
    }
}

/// <summary>The Parquet DELTA_BINARY_PACKED encoding of INT32 and INT64 values.</summary>
internal static class DeltaBinaryPacked
{
    public static void Decode(ReadOnlySpan<byte> data, Span<long> output) => DecodeCore(data, output.Length, output, default);

    public static void Decode(ReadOnlySpan<byte> data, Span<int> output) => DecodeCore(data, output.Length, default, output);

    private static void DecodeCore(ReadOnlySpan<byte> data, int count, Span<long> longs, Span<int> ints)
    {
        var pos = 0;
        var blockSize = checked((int)ReadUVarint(data, ref pos));
        var miniblocks = checked((int)ReadUVarint(data, ref pos));
        _ = ReadUVarint(data, ref pos); // total count; the page header already gave it
        var value = ReadZigZag(data, ref pos);
        if (count == 0)
        {
            return;
        }

        if (miniblocks <= 0 || blockSize % miniblocks != 0 || (blockSize / miniblocks) % 8 != 0)
        {
            throw new FeatureStoreException($"A Parquet DELTA_BINARY_PACKED block of {blockSize} values in {miniblocks} miniblocks is malformed; the file is corrupt.");
        }

        var perMiniblock = blockSize / miniblocks;
        Span<byte> widths = stackalloc byte[Math.Min(miniblocks, 1024)];
        if (miniblocks > 1024)
        {
            throw new NotSupportedException("miniblocks");
        }

        Store(longs, ints, 0, value);
        var produced = 1;
        while (produced < count)
        {
            var minDelta = ReadZigZag(data, ref pos);
            data.Slice(pos, miniblocks).CopyTo(widths);
            pos += miniblocks;
            for (var m = 0; m < miniblocks && produced < count; m++)
            {
                var width = widths[m];
                if (width > 64)
                {
                    throw new FeatureStoreException($"A Parquet DELTA_BINARY_PACKED miniblock has bit width {width}; the file is corrupt.");
                }

                var packed = data[pos..];
                var take = Math.Min(perMiniblock, count - produced);
                for (var i = 0; i < take; i++)
                {
                    // Deltas wrap like the writer's two's-complement arithmetic.
                    value = unchecked(value + minDelta + (long)ReadBits(packed, (long)i * width, width));
                    Store(longs, ints, produced++, value);
                }

                pos += perMiniblock * width / 8;
            }
        }
    }

    private static void Store(Span<long> longs, Span<int> ints, int at, long value)
    {
        if (longs.Length > 0)
        {
            longs[at] = value;
        }
        else
        {
            ints[at] = unchecked((int)value);
        }
    }

    private static ulong ReadBits(ReadOnlySpan<byte> data, long bit, int width)
    {
        if (width == 0)
        {
            return 0;
        }

        var at = (int)(bit >> 3);
        var shift = (int)(bit & 7);
        ulong word;
        if (at + 8 <= data.Length)
        {
            word = BinaryPrimitives.ReadUInt64LittleEndian(data[at..]);
        }
        else
        {
            word = 0;
            for (var k = 0; k < 8 && at + k < data.Length; k++)
            {
                word |= (ulong)data[at + k] << (8 * k);
            }
        }

        var v = word >> shift;
        if (shift + width > 64 && at + 8 < data.Length)
        {
            v |= (ulong)data[at + 8] << (64 - shift);
        }

        return width == 64 ? v : v & ((1UL << width) - 1);
    }

    private static ulong ReadUVarint(ReadOnlySpan<byte> b, ref int pos) => PageHeaderReader.ReadVarint(b, ref pos, "DELTA_BINARY_PACKED header");

    private static long ReadZigZag(ReadOnlySpan<byte> b, ref int pos)
    {
        var v = ReadUVarint(b, ref pos);
        return (long)(v >> 1) ^ -(long)(v & 1);
    }
}
