using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace MLOps.Datasets;

/// <summary>
/// Builds the folder digest: SHA-256 over the lines <c>sha256sum</c> prints for the sorted files
/// (see <see cref="DatasetFingerprint.ComputeAsync"/> for the exact definition).
/// </summary>
internal static class FolderDigest
{
    public static string Compute(List<DatasetFile> files, byte[][] digests)
    {
        using var manifest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var line = new ArrayBufferWriter<byte>(256);
        for (var i = 0; i < files.Count; i++)
        {
            line.ResetWrittenCount();
            AppendLine(line, digests[i], files[i].RelativePath);
            manifest.AppendData(line.WrittenSpan);
        }

        return Convert.ToHexStringLower(manifest.GetHashAndReset());
    }

    /// <summary>
    /// Writes what GNU coreutils 9.x <c>sha256sum</c> prints for one file: <c>hex</c>, two spaces, the name, a newline;
    /// a name holding <c>\</c>, LF or CR is escaped (<c>\\</c>, <c>\n</c>, <c>\r</c>) and the line starts with <c>\</c>.
    /// </summary>
    private static void AppendLine(ArrayBufferWriter<byte> line, byte[] digest, string relativePath)
    {
        var escape = relativePath.AsSpan().IndexOfAny('\\', '\n', '\r') >= 0;
        if (escape)
        {
            Write(line, "\\"u8);
        }

        var hex = line.GetSpan(digest.Length * 2);
        for (var i = 0; i < digest.Length; i++)
        {
            hex[2 * i] = "0123456789abcdef"u8[digest[i] >> 4];
            hex[(2 * i) + 1] = "0123456789abcdef"u8[digest[i] & 0xF];
        }

        line.Advance(digest.Length * 2);
        Write(line, "  "u8);
        if (escape)
        {
            relativePath = relativePath.Replace("\\", "\\\\", StringComparison.Ordinal)
                .Replace("\n", "\\n", StringComparison.Ordinal)
                .Replace("\r", "\\r", StringComparison.Ordinal);
        }

        var written = Encoding.UTF8.GetBytes(relativePath, line.GetSpan(Encoding.UTF8.GetMaxByteCount(relativePath.Length)));
        line.Advance(written);
        Write(line, "\n"u8);
    }

    private static void Write(ArrayBufferWriter<byte> line, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(line.GetSpan(bytes.Length));
        line.Advance(bytes.Length);
    }
}
