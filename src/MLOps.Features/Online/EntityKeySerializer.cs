using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace MLOps.Features.Online;

/// <summary>
/// Feast's entity-key serialization, version 3 (<c>serialize_entity_key</c>): keys sorted by join-key name,
/// <c>u32 count</c>, then per key <c>u32 2, u32 len, utf8</c>, then per value <c>u32 type, u32 len, bytes</c>, all
/// little-endian. Types: STRING=2, INT32=3, INT64=4. Version 2 (Feast 0.23 to 0.49) is the same without the count
/// and without the key lengths; it is offered to read stores that older Feast versions wrote. Thread-safe.
/// </summary>
public static class EntityKeySerializer
{
    /// <summary>The default and current version (Feast's <c>entity_key_serialization_version: 3</c>).</summary>
    public const int CurrentVersion = 3;

    /// <summary>Serializes the key of an entity of <paramref name="view"/> with version 3.</summary>
    /// <param name="view">The view whose entities give the join keys and value types.</param>
    /// <param name="values">Key values in <see cref="FeatureView.JoinKeys"/> order.</param>
    /// <returns>The v3 bytes.</returns>
    /// <exception cref="FeatureStoreException">The value count is wrong or a value does not fit its type.</exception>
    public static byte[] Serialize(FeatureView view, IReadOnlyList<object> values) => Serialize(view, values, CurrentVersion);

    /// <summary>Serializes the key of an entity of <paramref name="view"/> with a given version.</summary>
    /// <param name="view">The view whose entities give the join keys and value types.</param>
    /// <param name="values">Key values in <see cref="FeatureView.JoinKeys"/> order.</param>
    /// <param name="version">2 or 3.</param>
    /// <returns>The bytes.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="version"/> is not 2 or 3.</exception>
    /// <exception cref="FeatureStoreException">The value count is wrong or a value does not fit its type.</exception>
    public static byte[] Serialize(FeatureView view, IReadOnlyList<object> values, int version)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(values);
        CheckVersion(version);
        if (values.Count != view.Entities.Count)
        {
            throw new FeatureStoreException($"Feature view '{view.Name}' has {view.Entities.Count} join keys but {values.Count} key values were given.");
        }

        var order = Enumerable.Range(0, values.Count).OrderBy(i => view.Entities[i].JoinKey, StringComparer.Ordinal).ToArray();
        using var ms = new MemoryStream();
        Span<byte> u32 = stackalloc byte[4];
        Span<byte> l = stackalloc byte[8];
        void WriteU32(uint v, Span<byte> buf)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(buf, v);
            ms.Write(buf);
        }

        WriteKeySection(ms, order.Length, order.Select(i => view.Entities[i].JoinKey), version);
        foreach (var i in order)
        {
            var v = values[i] ?? throw new FeatureStoreException($"The key value of '{view.Entities[i].JoinKey}' is null.");
            try
            {
                switch (view.Entities[i].ValueType)
                {
                    case FeatureValueType.Int64:
                        WriteU32(4, u32);
                        WriteU32(8, u32);
                        BinaryPrimitives.WriteInt64LittleEndian(l, Convert.ToInt64(v, CultureInfo.InvariantCulture));
                        ms.Write(l);
                        break;
                    case FeatureValueType.Int32:
                        WriteU32(3, u32);
                        WriteU32(4, u32);
                        BinaryPrimitives.WriteInt32LittleEndian(u32, Convert.ToInt32(v, CultureInfo.InvariantCulture));
                        ms.Write(u32);
                        break;
                    case FeatureValueType.String:
                        var s = Encoding.UTF8.GetBytes(Convert.ToString(v, CultureInfo.InvariantCulture)!);
                        WriteU32(2, u32);
                        WriteU32((uint)s.Length, u32);
                        ms.Write(s);
                        break;
                    default:
                        throw new FeatureStoreException($"Entity '{view.Entities[i].Name}' has type {view.Entities[i].ValueType}; Feast keys are Int32, Int64 or String.");
                }
            }
            catch (Exception ex) when (ex is FormatException or InvalidCastException or OverflowException)
            {
                throw new FeatureStoreException($"Key value '{v}' does not fit entity '{view.Entities[i].Name}' of type {view.Entities[i].ValueType}.");
            }
        }

        return ms.ToArray();
    }

    /// <summary>
    /// The key section alone (Feast's <c>serialize_entity_key_prefix</c> extended to the version's layout): every key of
    /// a view starts with it, so a store can find a view's keys by prefix.
    /// </summary>
    /// <param name="joinKeys">The join-key names, in any order.</param>
    /// <param name="version">2 or 3.</param>
    /// <returns>The prefix bytes.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="version"/> is not 2 or 3.</exception>
    public static byte[] SerializePrefix(IReadOnlyList<string> joinKeys, int version = CurrentVersion)
    {
        ArgumentNullException.ThrowIfNull(joinKeys);
        CheckVersion(version);
        var sorted = joinKeys.ToArray();
        Array.Sort(sorted, StringComparer.Ordinal);
        using var ms = new MemoryStream();
        WriteKeySection(ms, sorted.Length, sorted, version);
        return ms.ToArray();
    }

    // The join-key names, sorted: a count (v3), then each as a string type tag, a length (v3) and its UTF-8 bytes.
    private static void WriteKeySection(MemoryStream ms, int count, IEnumerable<string> sortedNames, int version)
    {
        Span<byte> u32 = stackalloc byte[4];
        if (version >= 3)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(u32, (uint)count);
            ms.Write(u32);
        }

        foreach (var key in sortedNames)
        {
            var name = Encoding.UTF8.GetBytes(key);
            BinaryPrimitives.WriteUInt32LittleEndian(u32, 2);
            ms.Write(u32);
            if (version >= 3)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(u32, (uint)name.Length);
                ms.Write(u32);
            }

            ms.Write(name);
        }
    }

    private static void CheckVersion(int version)
    {
        if (version is not (2 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, "Feast entity-key serialization version must be 2 or 3 (version 1 truncated int64 keys and was removed).");
        }
    }
}
