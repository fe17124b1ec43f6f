using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace MLOps.Features.Redis;

/// <summary>
/// MurmurHash3 x86_32 (Austin Appleby's reference <c>MurmurHash3_x86_32</c>), the hash Feast's Redis store uses to name
/// feature fields (<c>mmh3.hash(key, signed=False)</c>, seed 0). Thread-safe; allocation-free over spans.
/// </summary>
public static class MurmurHash3
{
    private const uint C1 = 0xcc9e2d51;
    private const uint C2 = 0x1b873593;

    /// <summary>Hashes <paramref name="data"/>.</summary>
    /// <param name="data">The bytes.</param>
    /// <param name="seed">The seed; Feast uses 0.</param>
    /// <returns>The 32-bit hash.</returns>
    public static uint Hash32(ReadOnlySpan<byte> data, uint seed = 0)
    {
        var h = seed;
        var blocks = data.Length / 4;
        for (var i = 0; i < blocks; i++)
        {
            var k = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i * 4, 4));
            k *= C1;
            k = BitOperations.RotateLeft(k, 15);
            k *= C2;
            h ^= k;
            h = BitOperations.RotateLeft(h, 13);
            h = (h * 5) + 0xe6546b64;
        }

        var tail = data[(blocks * 4)..];
        uint k1 = 0;
        switch (tail.Length)
        {
            case 3:
                k1 ^= (uint)tail[2] << 16;
                goto case 2;
            case 2:
                k1 ^= (uint)tail[1] << 8;
                goto case 1;
            case 1:
                k1 ^= tail[0];
                k1 *= C1;
                k1 = BitOperations.RotateLeft(k1, 15);
                k1 *= C2;
                h ^= k1;
                break;
        }

        h ^= (uint)data.Length;
        h ^= h >> 16;
        h *= 0x85ebca6b;
        h ^= h >> 13;
        h *= 0xc2b2ae35;
        h ^= h >> 16;
        return h;
    }

    /// <summary>Hashes the UTF-8 bytes of <paramref name="text"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="seed">The seed; Feast uses 0.</param>
    /// <returns>The 32-bit hash.</returns>
    public static uint Hash32(string text, uint seed = 0)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Hash32(Encoding.UTF8.GetBytes(text), seed);
    }

    /// <summary>
    /// The Redis hash field Feast stores a feature under: MurmurHash3 x86_32 (seed 0) of the UTF-8 of
    /// <c>"{view}:{feature}"</c>, as 4 bytes little-endian (<c>helpers._mmh3</c>).
    /// </summary>
    /// <param name="viewName">The feature view name (with <c>_v{N}</c> when Feast's view versioning is on).</param>
    /// <param name="featureName">The feature name.</param>
    /// <returns>The 4 field bytes.</returns>
    public static byte[] FeastFieldName(string viewName, string featureName)
    {
        ArgumentNullException.ThrowIfNull(viewName);
        ArgumentNullException.ThrowIfNull(featureName);
        var field = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(field, Hash32(viewName + ":" + featureName));
        return field;
    }
}
