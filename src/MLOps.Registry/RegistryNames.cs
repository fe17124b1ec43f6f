using System.Globalization;

namespace MLOps.Registry;

/// <summary>The naming rules of the registry, shared by the store and the URI parser.</summary>
public static class RegistryNames
{
    /// <summary>The longest registered-model name, in characters (MLflow's SQL column is 256).</summary>
    public const int MaxModelNameLength = 256;

    /// <summary>The longest alias, in characters (MLflow: 255).</summary>
    public const int MaxAliasLength = 255;

    /// <summary>The longest tag key, in characters (MLflow: 250).</summary>
    public const int MaxTagKeyLength = 250;

    /// <summary>The longest tag value or description, in characters (MLflow: 5000 for registry tags).</summary>
    public const int MaxTagValueLength = 5000;

    /// <summary>
    /// Finds the first problem in a registered-model name: empty, longer than <see cref="MaxModelNameLength"/>,
    /// a control character, one of <c>/ \ @ % ? #</c> (they would be read as URI or path syntax), leading or
    /// trailing white space, or <c>.</c>/<c>..</c>.
    /// </summary>
    /// <param name="name">The name.</param>
    /// <param name="position">The index of the first bad character (0 for whole-name problems).</param>
    /// <returns>The problem and its fix, or <see langword="null"/> when the name is valid.</returns>
    public static string? FindModelNameProblem(ReadOnlySpan<char> name, out int position)
    {
        position = 0;
        if (name.IsEmpty)
        {
            return "the name is empty; give the registered model a name such as 'fraud-detector'.";
        }

        if (name.Length > MaxModelNameLength)
        {
            position = MaxModelNameLength;
            return string.Create(CultureInfo.InvariantCulture, $"the name has {name.Length} characters; the limit is {MaxModelNameLength}.");
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsControl(c))
            {
                position = i;
                return string.Create(CultureInfo.InvariantCulture, $"it contains the control character U+{(int)c:X4}; use printable characters.");
            }

            if (c is '/' or '\\' or '@' or '%' or '?' or '#')
            {
                position = i;
                return $"it contains '{c}', which model URIs and artifact paths read as syntax; use letters, digits, '-', '_', '.' or spaces.";
            }
        }

        if (char.IsWhiteSpace(name[0]) || char.IsWhiteSpace(name[^1]))
        {
            position = char.IsWhiteSpace(name[0]) ? 0 : name.Length - 1;
            return "it starts or ends with white space; trim it.";
        }

        if (name is "." or "..")
        {
            return "'.' and '..' name folders, not models; choose a real name.";
        }

        return null;
    }

    /// <summary>
    /// Finds the first problem in an alias: MLflow's rule <c>^[\w\-]*$</c>, 1 to <see cref="MaxAliasLength"/>
    /// characters, and not reserved (<c>latest</c> in any case, or <c>v</c>/<c>V</c> followed by digits).
    /// </summary>
    /// <param name="alias">The alias.</param>
    /// <param name="position">The index of the first bad character (0 for whole-alias problems).</param>
    /// <param name="reserved">Whether the alias is well-formed but reserved.</param>
    /// <returns>The problem and its fix, or <see langword="null"/> when the alias is valid.</returns>
    public static string? FindAliasProblem(ReadOnlySpan<char> alias, out int position, out bool reserved)
    {
        position = 0;
        reserved = false;
        if (alias.IsEmpty)
        {
            return "the alias is empty; use a name such as 'champion'.";
        }

        if (alias.Length > MaxAliasLength)
        {
            position = MaxAliasLength;
            return string.Create(CultureInfo.InvariantCulture, $"the alias has {alias.Length} characters; the limit is {MaxAliasLength}.");
        }

        for (var i = 0; i < alias.Length; i++)
        {
            var c = alias[i];
            if (!(char.IsLetterOrDigit(c) || c is '_' or '-'))
            {
                position = i;
                return $"it contains '{c}'; aliases may hold only letters, digits, '_' and '-' (MLflow's rule).";
            }
        }

        if (alias.Equals("latest", StringComparison.OrdinalIgnoreCase) || IsVersionAlias(alias))
        {
            reserved = true;
            return alias.Equals("latest", StringComparison.OrdinalIgnoreCase)
                ? "'latest' is reserved: models:/name/latest always means the highest version."
                : "aliases of the form v<N> are reserved for version numbers.";
        }

        return null;
    }

    /// <summary>Throws when a registered-model name is invalid.</summary>
    /// <param name="name">The name.</param>
    /// <exception cref="InvalidRegistryNameException">The name breaks the rules of <see cref="FindModelNameProblem"/>.</exception>
    public static void ValidateModelName(string? name)
    {
        var problem = name is null ? "the name is null." : FindModelNameProblem(name, out _);
        if (problem is not null)
        {
            throw new InvalidRegistryNameException("model name", name, problem);
        }
    }

    /// <summary>Throws when an alias is invalid or reserved.</summary>
    /// <param name="alias">The alias.</param>
    /// <exception cref="ReservedAliasException">The alias is <c>latest</c> or <c>v&lt;N&gt;</c>.</exception>
    /// <exception cref="InvalidRegistryNameException">The alias breaks MLflow's rule.</exception>
    public static void ValidateAlias(string? alias)
    {
        if (alias is null)
        {
            throw new InvalidRegistryNameException("alias", alias, "the alias is null.");
        }

        if (FindAliasProblem(alias, out _, out var reserved) is { } problem)
        {
            throw reserved ? new ReservedAliasException(alias) : new InvalidRegistryNameException("alias", alias, problem);
        }
    }

    /// <summary>Throws when a tag key or value is invalid: key 1..250 characters without control characters, value at most 5000.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <exception cref="InvalidRegistryNameException">The key or value breaks the rules.</exception>
    public static void ValidateTag(string? key, string? value)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw new InvalidRegistryNameException("tag key", key, "tag keys must not be empty.");
        }

        if (key.Length > MaxTagKeyLength)
        {
            throw new InvalidRegistryNameException("tag key", key, string.Create(CultureInfo.InvariantCulture, $"it has {key.Length} characters; the limit is {MaxTagKeyLength}."));
        }

        foreach (var c in key)
        {
            if (char.IsControl(c))
            {
                throw new InvalidRegistryNameException("tag key", key, "it contains a control character; use printable characters.");
            }
        }

        if (value is null)
        {
            throw new InvalidRegistryNameException("tag value", value, string.Create(CultureInfo.InvariantCulture, $"the value of tag '{key}' is null; use an empty string or delete the tag."));
        }

        ValidateText("tag value", value);
    }

    internal static void ValidateText(string kind, string? value)
    {
        if (value is not null && value.Length > MaxTagValueLength)
        {
            throw new InvalidRegistryNameException(kind, value, string.Create(CultureInfo.InvariantCulture, $"it has {value.Length} characters; the limit is {MaxTagValueLength}."));
        }
    }

    internal static void ValidateVersion(string name, int version)
    {
        if (version < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, $"Versions of '{name}' are numbered from 1.");
        }
    }

    private static bool IsVersionAlias(ReadOnlySpan<char> alias)
    {
        if (alias.Length < 2 || alias[0] is not ('v' or 'V'))
        {
            return false;
        }

        foreach (var c in alias[1..])
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
