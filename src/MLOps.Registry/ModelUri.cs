using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace MLOps.Registry;

/// <summary>How a <see cref="ModelUri"/> picks its version.</summary>
public enum ModelUriKind
{
    /// <summary><c>models:/name/3</c>: a fixed version number.</summary>
    Version = 0,

    /// <summary><c>models:/name@champion</c>: whatever version the alias points at.</summary>
    Alias = 1,

    /// <summary><c>models:/name/Production</c>: the highest version in that stage.</summary>
    Stage = 2,

    /// <summary><c>models:/name/latest</c>: the highest version.</summary>
    Latest = 3,
}

/// <summary>
/// A parsed MLflow model URI: <c>models:/name/3</c>, <c>models:/name@champion</c>, <c>models:/name/Production</c>
/// or <c>models:/name/latest</c>. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// <para>
/// The parser is strict where MLflow is lenient, so a typo fails at parse time rather than resolving to the wrong
/// model: the scheme is exactly <c>models:</c> followed by one <c>/</c> (no authority, no query, no fragment, no
/// surrounding white space); the name follows <see cref="RegistryNames.FindModelNameProblem"/>; a version is a
/// positive decimal without sign or leading zeros; an alias follows MLflow's <c>[\w-]</c> rule and may not be a
/// reserved one (<c>@latest</c>, <c>@v3</c>: write <c>/latest</c>, <c>/3</c>); a stage or <c>latest</c> may be in any
/// case and is canonicalised. Errors are <see cref="ModelUriFormatException"/> with the position of the bad part.
/// MLflow 3's <c>models:/&lt;model_id&gt;</c> (LoggedModel) form is not supported.
/// </para>
/// </remarks>
public sealed record ModelUri
{
    /// <summary>The URI scheme, <c>models:</c>.</summary>
    public const string Scheme = "models:";

    private ModelUri(string name, ModelUriKind kind, int? version, string? alias, ModelStage? stage)
    {
        Name = name;
        Kind = kind;
        Version = version;
        Alias = alias;
        Stage = stage;
    }

    /// <summary>Gets the registered model's name.</summary>
    public string Name { get; }

    /// <summary>Gets how the URI picks its version.</summary>
    public ModelUriKind Kind { get; }

    /// <summary>Gets the version number for <see cref="ModelUriKind.Version"/>, else <see langword="null"/>.</summary>
    public int? Version { get; }

    /// <summary>Gets the alias for <see cref="ModelUriKind.Alias"/>, else <see langword="null"/>.</summary>
    public string? Alias { get; }

    /// <summary>Gets the stage for <see cref="ModelUriKind.Stage"/>, else <see langword="null"/>.</summary>
    public ModelStage? Stage { get; }

    /// <summary>Creates <c>models:/name/version</c>.</summary>
    /// <param name="name">The registered model.</param>
    /// <param name="version">The version, 1 or more.</param>
    /// <returns>The URI.</returns>
    public static ModelUri ForVersion(string name, int version)
    {
        RegistryNames.ValidateModelName(name);
        RegistryNames.ValidateVersion(name, version);
        return new(name, ModelUriKind.Version, version, null, null);
    }

    /// <summary>Creates <c>models:/name@alias</c>.</summary>
    /// <param name="name">The registered model.</param>
    /// <param name="alias">The alias.</param>
    /// <returns>The URI.</returns>
    public static ModelUri ForAlias(string name, string alias)
    {
        RegistryNames.ValidateModelName(name);
        RegistryNames.ValidateAlias(alias);
        return new(name, ModelUriKind.Alias, null, alias, null);
    }

    /// <summary>Creates <c>models:/name/Stage</c>.</summary>
    /// <param name="name">The registered model.</param>
    /// <param name="stage">The stage.</param>
    /// <returns>The URI.</returns>
    public static ModelUri ForStage(string name, ModelStage stage)
    {
        RegistryNames.ValidateModelName(name);
        _ = stage.ToName();
        return new(name, ModelUriKind.Stage, null, null, stage);
    }

    /// <summary>Creates <c>models:/name/latest</c>.</summary>
    /// <param name="name">The registered model.</param>
    /// <returns>The URI.</returns>
    public static ModelUri ForLatest(string name)
    {
        RegistryNames.ValidateModelName(name);
        return new(name, ModelUriKind.Latest, null, null, null);
    }

    /// <summary>Parses a model URI strictly.</summary>
    /// <param name="uri">The text, e.g. <c>models:/fraud@champion</c>.</param>
    /// <returns>The parsed URI.</returns>
    /// <exception cref="ModelUriFormatException">The text is not a valid model URI; the exception says where and why.</exception>
    public static ModelUri Parse(string uri)
    {
        var result = ParseCore(uri, out var error);
        return result ?? throw error!;
    }

    /// <summary>Parses a model URI strictly, without throwing.</summary>
    /// <param name="uri">The text.</param>
    /// <param name="result">The parsed URI, when valid.</param>
    /// <returns><see langword="true"/> when <paramref name="uri"/> is a valid model URI.</returns>
    public static bool TryParse([NotNullWhen(true)] string? uri, [NotNullWhen(true)] out ModelUri? result)
    {
        result = ParseCore(uri, out _);
        return result is not null;
    }

    /// <summary>Formats the URI canonically: <c>models:/name/3</c>, <c>models:/name@alias</c>, <c>models:/name/Production</c>, <c>models:/name/latest</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Kind switch
    {
        ModelUriKind.Version => string.Create(CultureInfo.InvariantCulture, $"{Scheme}/{Name}/{Version}"),
        ModelUriKind.Alias => $"{Scheme}/{Name}@{Alias}",
        ModelUriKind.Stage => $"{Scheme}/{Name}/{Stage!.Value.ToName()}",
        _ => $"{Scheme}/{Name}/latest",
    };

    private static ModelUri? ParseCore(string? uri, out ModelUriFormatException? error)
    {
        error = null;
        if (uri is null)
        {
            error = new ModelUriFormatException("", 0, "the URI is null.");
            return null;
        }

        ModelUri? Fail(int position, string reason, out ModelUriFormatException? e)
        {
            e = new ModelUriFormatException(uri, position, reason);
            return null;
        }

        if (uri.Length == 0)
        {
            return Fail(0, "the URI is empty.", out error);
        }

        for (var i = 0; i < uri.Length; i++)
        {
            if (char.IsControl(uri[i]))
            {
                return Fail(i, string.Create(CultureInfo.InvariantCulture, $"control character U+{(int)uri[i]:X4}."), out error);
            }
        }

        if (char.IsWhiteSpace(uri[0]) || char.IsWhiteSpace(uri[^1]))
        {
            return Fail(char.IsWhiteSpace(uri[0]) ? 0 : uri.Length - 1, "white space around the URI; trim it.", out error);
        }

        if (!uri.StartsWith(Scheme, StringComparison.Ordinal))
        {
            var colon = uri.IndexOf(':', StringComparison.Ordinal);
            if (uri.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
            {
                return Fail(0, $"the scheme must be lowercase '{Scheme}'.", out error);
            }

            return Fail(0, colon > 0 ? $"the scheme '{uri[..(colon + 1)]}' is not '{Scheme}'." : $"the URI must start with '{Scheme}/'.", out error);
        }

        var p = Scheme.Length;
        if (p >= uri.Length || uri[p] != '/')
        {
            return Fail(p, $"'{Scheme}' must be followed by '/'.", out error);
        }

        p++;
        if (p < uri.Length && uri[p] == '/')
        {
            return Fail(p, "an authority (models://profile/...) is not supported; use a single '/'.", out error);
        }

        var nameStart = p;
        while (p < uri.Length && uri[p] is not ('/' or '@' or '?' or '#'))
        {
            p++;
        }

        if (p < uri.Length && uri[p] is '?' or '#')
        {
            return Fail(p, $"'{uri[p]}' starts a query or fragment, which model URIs do not have.", out error);
        }

        var name = uri[nameStart..p];
        if (name.Length == 0)
        {
            return Fail(nameStart, "the model name is missing.", out error);
        }

        if (RegistryNames.FindModelNameProblem(name, out var namePosition) is { } nameProblem)
        {
            return Fail(nameStart + namePosition, "bad model name: " + nameProblem, out error);
        }

        if (p == uri.Length)
        {
            return Fail(p, "a version, stage, 'latest' or '@alias' must follow the model name (models:/<model_id> is not supported).", out error);
        }

        var separator = uri[p];
        var partStart = p + 1;
        var part = uri.AsSpan(partStart);
        var extra = part.IndexOfAny('/', '@');
        if (extra < 0)
        {
            extra = part.IndexOfAny('?', '#');
        }

        if (extra >= 0)
        {
            return Fail(partStart + extra, $"unexpected '{part[extra]}': a model URI has exactly one version, stage, 'latest' or alias after the name.", out error);
        }

        if (part.IsEmpty)
        {
            return Fail(partStart, separator == '@' ? "the alias after '@' is missing." : "the version, stage or 'latest' after '/' is missing.", out error);
        }

        if (separator == '@')
        {
            if (RegistryNames.FindAliasProblem(part, out var aliasPosition, out var reserved) is { } aliasProblem)
            {
                var hint = reserved
                    ? part.Equals("latest", StringComparison.OrdinalIgnoreCase) ? " Write models:/" + name + "/latest." : " Write models:/" + name + "/" + part[1..].ToString() + "."
                    : "";
                return Fail(partStart + aliasPosition, "bad alias: " + aliasProblem + hint, out error);
            }

            return new ModelUri(name, ModelUriKind.Alias, null, part.ToString(), null);
        }

        if (char.IsAsciiDigit(part[0]) || part[0] is '+' or '-')
        {
            for (var i = 0; i < part.Length; i++)
            {
                if (!char.IsAsciiDigit(part[i]))
                {
                    return Fail(partStart + i, $"'{part.ToString()}' is not a version number; versions are positive whole numbers such as 3.", out error);
                }
            }

            if (part[0] == '0')
            {
                return Fail(partStart, part.Length == 1 ? "versions are numbered from 1." : $"leading zero in '{part.ToString()}'; write {part.TrimStart('0').ToString()}.", out error);
            }

            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                return Fail(partStart, $"the version '{part.ToString()}' is too large (the limit is {int.MaxValue}).", out error);
            }

            return new ModelUri(name, ModelUriKind.Version, version, null, null);
        }

        if (part.Equals("latest", StringComparison.OrdinalIgnoreCase))
        {
            return new ModelUri(name, ModelUriKind.Latest, null, null, null);
        }

        var text = part.ToString();
        if (ModelStages.TryParse(text, out var stage))
        {
            return new ModelUri(name, ModelUriKind.Stage, null, null, stage);
        }

        return Fail(partStart, $"'{text}' is not a version number, a stage (None, Staging, Production, Archived) or 'latest'; for an alias write models:/{name}@{text}.", out error);
    }
}
