using System.Globalization;
using MLOps.Datasets.Yaml;

namespace MLOps.Datasets;

/// <summary>Turns parsed YAML into DVC entries, naming the file and line of anything that does not fit the schema.</summary>
internal static class DvcSchemaReader
{
    public static YamlNode? ParseYaml(string text, string filePath)
    {
        try
        {
            return YamlReader.Parse(text);
        }
        catch (YamlSyntaxException ex)
        {
            throw new DvcFormatException(filePath, ex.LineNumber, ex.Problem, ex);
        }
    }

    public static YamlMapping ExpectMapping(YamlNode node, string filePath, string what) =>
        node as YamlMapping
        ?? throw new DvcFormatException(filePath, node.Line, $"{what} must be a mapping of 'key: value' lines");

    public static List<DvcEntry> ReadEntries(YamlMapping parent, string key, string filePath)
    {
        var entries = new List<DvcEntry>();
        if (!parent.TryGetValue(key, out var node) || node is YamlScalar { IsNull: true })
        {
            return entries;
        }

        if (node is not YamlSequence list)
        {
            throw new DvcFormatException(filePath, node.Line, $"'{key}' must be a list of entries ('- path: ...')");
        }

        foreach (var item in list.Items)
        {
            entries.Add(ReadEntry(item, key, filePath));
        }

        return entries;
    }

    public static string? OptionalString(YamlMapping map, string key, string filePath)
    {
        if (!map.TryGetValue(key, out var node) || node is YamlScalar { IsNull: true })
        {
            return null;
        }

        return node is YamlScalar scalar
            ? scalar.Value
            : throw new DvcFormatException(filePath, node.Line, $"'{key}' must be a single value, not a list or mapping");
    }

    private static DvcEntry ReadEntry(YamlNode node, string list, string filePath)
    {
        if (node is not YamlMapping map)
        {
            var shown = node is YamlScalar s ? $" (found '{s.Value}')" : string.Empty;
            throw new DvcFormatException(filePath, node.Line, $"each entry of '{list}' must be a mapping with at least 'path'{shown}");
        }

        var path = OptionalString(map, "path", filePath);
        if (string.IsNullOrEmpty(path))
        {
            throw new DvcFormatException(filePath, map.Line, $"an entry of '{list}' has no 'path'");
        }

        var md5 = OptionalString(map, "md5", filePath);
        if (md5 is not null && !IsMd5(md5))
        {
            throw new DvcFormatException(filePath, map.TryGetValue("md5", out var m) ? m.Line : map.Line, $"'md5' of '{path}' is '{md5}', which is not 32 hexadecimal digits (with '.dir' for a folder)");
        }

        return new DvcEntry
        {
            Path = path,
            Md5 = md5,
            HashName = OptionalString(map, "hash", filePath),
            Size = OptionalInteger(map, "size", path, filePath),
            FileCount = (int?)OptionalInteger(map, "nfiles", path, filePath, int.MaxValue),
            LineNumber = map.Line,
        };
    }

    private static long? OptionalInteger(YamlMapping map, string key, string path, string filePath, long max = long.MaxValue)
    {
        if (!map.TryGetValue(key, out var node) || node is YamlScalar { IsNull: true })
        {
            return null;
        }

        if (node is YamlScalar { Style: YamlScalarStyle.Plain } scalar
            && long.TryParse(scalar.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            && value <= max)
        {
            return value;
        }

        var shown = node is YamlScalar s ? s.Value : "a list or mapping";
        throw new DvcFormatException(filePath, node.Line, $"'{key}' of '{path}' is '{shown}', which is not a whole number");
    }

    private static bool IsMd5(string value)
    {
        var hex = value.EndsWith(".dir", StringComparison.Ordinal) ? value.AsSpan(0, value.Length - 4) : value.AsSpan();
        if (hex.Length != 32)
        {
            return false;
        }

        foreach (var c in hex)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
