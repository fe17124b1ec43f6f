using System.Diagnostics.CodeAnalysis;

namespace MLOps.Datasets.Yaml;

/// <summary>A node of a parsed YAML document, with the 1-based line it starts on.</summary>
internal abstract class YamlNode
{
    protected YamlNode(int line) => Line = line;

    /// <summary>Gets the 1-based line number where the node starts.</summary>
    public int Line { get; }
}

/// <summary>How a scalar was written; only plain scalars can mean null, numbers or booleans.</summary>
internal enum YamlScalarStyle
{
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// <summary>A scalar: always kept as its text, typed on request by the reader of the schema.</summary>
internal sealed class YamlScalar : YamlNode
{
    public YamlScalar(string value, YamlScalarStyle style, int line)
        : base(line)
    {
        Value = value;
        Style = style;
    }

    public string Value { get; }

    public YamlScalarStyle Style { get; }

    /// <summary>Gets a value indicating whether this is the YAML null (empty, <c>~</c> or <c>null</c>, unquoted).</summary>
    public bool IsNull => Style == YamlScalarStyle.Plain && Value is "" or "~" or "null" or "Null" or "NULL";
}

internal sealed class YamlSequence : YamlNode
{
    public YamlSequence(int line)
        : base(line)
    {
    }

    public List<YamlNode> Items { get; } = [];
}

/// <summary>A mapping with scalar keys, in document order; duplicate keys are rejected by the parser.</summary>
internal sealed class YamlMapping : YamlNode
{
    public YamlMapping(int line)
        : base(line)
    {
    }

    public List<KeyValuePair<YamlScalar, YamlNode>> Entries { get; } = [];

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public bool TryGetValue(string key, [NotNullWhen(true)] out YamlNode? value)
    {
        foreach (var entry in Entries)
        {
            if (string.Equals(entry.Key.Value, key, StringComparison.Ordinal))
            {
                value = entry.Value;
                return true;
            }
        }

        value = null;
        return false;
    }
}

/// <summary>Raised by <see cref="YamlReader"/>; callers turn it into an exception that names the file.</summary>
[SuppressMessage("Design", "CA1064:Exceptions should be public", Justification = "Never escapes the assembly: the DVC readers wrap it in DvcFormatException, which names the file.")]
internal sealed class YamlSyntaxException : Exception
{
    public YamlSyntaxException(int line, string problem)
        : base(problem)
    {
        LineNumber = line;
        Problem = problem;
    }

    public int LineNumber { get; }

    public string Problem { get; }
}
