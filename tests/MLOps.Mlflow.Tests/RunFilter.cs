using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MLOps.Mlflow.Tests;

/// <summary>
/// The fake server's version of MLflow's search DSL (mlflow/utils/search_utils.py, mlflow.md §5): AND-joined clauses
/// <c>entity.key comparator value</c>; entity aliases (metric/metrics, param/params/parameter/parameters, tag/tags,
/// attribute/attributes/attr/run, dataset/datasets); keys quoted with backticks or double quotes; string values in single
/// or double quotes ('' inside single quotes is a quote); IN / NOT IN lists for run_id and datasets; numeric comparators
/// for metrics and the time attributes. Every error is INVALID_PARAMETER_VALUE, as MLflow's SearchUtils raises it.
/// </summary>
internal static partial class RunFilter
{
    private static readonly HashSet<string> NumericComparators = ["=", "!=", ">", ">=", "<", "<="];
    private static readonly HashSet<string> StringComparators = ["=", "!=", "LIKE", "ILIKE"];
    private static readonly HashSet<string> StringAttributes = ["run_id", "run_name", "status", "user_id", "artifact_uri", "lifecycle_stage", "run name"];
    private static readonly HashSet<string> NumericAttributes = ["start_time", "end_time", "created"];
    private static readonly HashSet<string> DatasetKeys = ["name", "digest", "context"];

    /// <summary>One parsed clause.</summary>
    internal sealed record Clause(string Entity, string Key, string Op, string? Text, double? Number, IReadOnlyList<string>? List);

    [GeneratedRegex(@"\s+and\s+", RegexOptions.IgnoreCase)]
    private static partial Regex And();

    public static bool Matches(JsonObject run, string? filter)
    {
        foreach (var c in ParseRunFilter(filter))
        {
            if (!MatchesRun(run, c))
            {
                return false;
            }
        }

        return true;
    }

    public static IReadOnlyList<Clause> ParseRunFilter(string? filter)
    {
        var clauses = ParseAll(filter);
        foreach (var c in clauses)
        {
            ValidateRunClause(c);
        }

        return clauses;
    }

    public static bool MatchesRegistry(string name, string? runId, IReadOnlyDictionary<string, string> tags, string filter)
    {
        foreach (var c in ParseAll(filter))
        {
            string? actual = c.Entity switch
            {
                "tag" => tags.GetValueOrDefault(c.Key),
                "attribute" when c.Key == "name" => name,
                "attribute" when c.Key == "run_id" => runId,
                _ => throw Invalid($"Invalid attribute key '{c.Key}' specified."),
            };
            if (!CompareString(actual, c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>search-experiments: attributes name, creation_time, last_update_time; tags.</summary>
    public static bool MatchesExperiment(JsonObject e, string? filter)
    {
        foreach (var c in ParseAll(filter))
        {
            if (c.Entity == "tag")
            {
                if (!StringComparators.Contains(c.Op) || c.Text is null)
                {
                    throw Invalid($"Invalid comparator '{c.Op}' for tag.");
                }

                var tag = (e["tags"]?.AsArray() ?? []).FirstOrDefault(t => t!["key"]!.GetValue<string>() == c.Key)?["value"]?.GetValue<string>();
                if (!CompareString(tag, c))
                {
                    return false;
                }
            }
            else if (c.Entity == "attribute" && c.Key == "name")
            {
                if (!CompareString(e["name"]!.GetValue<string>(), c))
                {
                    return false;
                }
            }
            else if (c.Entity == "attribute" && c.Key is "creation_time" or "last_update_time")
            {
                if (c.Number is null || !CompareNumber(e[c.Key]!.GetValue<long>(), c))
                {
                    return false;
                }
            }
            else
            {
                throw Invalid($"Invalid attribute key '{c.Key}' specified. Valid keys are '{{'name', 'creation_time', 'last_update_time'}}'");
            }
        }

        return true;
    }

    /// <summary>Sorts runs by MLflow's order_by clauses, then start_time DESC and run_id ASC; missing (and NaN metric) values last.</summary>
    public static List<JsonObject> Order(List<JsonObject> runs, IReadOnlyList<string> orderBy)
    {
        var keys = orderBy.Select(ParseOrderBy).ToList();
        keys.Add(("attribute", "start_time", false));
        var sorted = runs.ToList();
        sorted.Sort((a, b) =>
        {
            foreach (var (entity, key, asc) in keys)
            {
                var c = CompareValues(RunValue(a, entity, key), RunValue(b, entity, key), asc);
                if (c != 0)
                {
                    return c;
                }
            }

            return string.CompareOrdinal(a["info"]!["run_id"]!.GetValue<string>(), b["info"]!["run_id"]!.GetValue<string>());
        });
        return sorted;
    }

    /// <summary>Sorts experiments by order_by (name, experiment_id, creation_time, last_update_time), then creation_time DESC, experiment_id ASC.</summary>
    public static List<JsonObject> OrderExperiments(List<JsonObject> experiments, IReadOnlyList<string> orderBy)
    {
        var keys = orderBy.Select(ParseOrderBy).ToList();
        keys.Add(("attribute", "creation_time", false));
        object? Value(JsonObject e, string key) => key switch
        {
            "name" => e["name"]!.GetValue<string>(),
            "experiment_id" => (double)long.Parse(e["experiment_id"]!.GetValue<string>(), CultureInfo.InvariantCulture),
            "creation_time" or "last_update_time" => (double)e[key]!.GetValue<long>(),
            _ => throw Invalid($"Invalid order_by entity: {key}"),
        };
        var sorted = experiments.ToList();
        sorted.Sort((a, b) =>
        {
            foreach (var (_, key, asc) in keys)
            {
                var c = CompareValues(Value(a, key), Value(b, key), asc);
                if (c != 0)
                {
                    return c;
                }
            }

            return long.Parse(a["experiment_id"]!.GetValue<string>(), CultureInfo.InvariantCulture).CompareTo(long.Parse(b["experiment_id"]!.GetValue<string>(), CultureInfo.InvariantCulture));
        });
        return sorted;
    }

    private static int CompareValues(object? x, object? y, bool asc)
    {
        // MLflow's SQL ordering: present values first, then NaN, then missing, in both directions.
        static int Rank(object? v) => v is null ? 2 : v is double d && double.IsNaN(d) ? 1 : 0;
        var (rx, ry) = (Rank(x), Rank(y));
        if (rx != ry || rx != 0)
        {
            return rx.CompareTo(ry);
        }

        var c = x is string sx ? string.CompareOrdinal(sx, (string)y!) : ((double)x!).CompareTo((double)y!);
        return asc ? c : -c;
    }

    private static object? RunValue(JsonObject run, string entity, string key)
    {
        var data = run["data"]!;
        return entity switch
        {
            "metric" => Find(data["metrics"], key) is { } v ? ParseDouble(v) : null,
            "param" => Find(data["params"], key),
            "tag" => Find(data["tags"], key),
            _ => Attribute(run, key),
        };
    }

    private static object? Attribute(JsonObject run, string key)
    {
        var info = run["info"]!;
        var field = key switch { "created" => "start_time", "run name" => "run_name", _ => key };
        return info[field] switch
        {
            null => null,
            JsonValue v when NumericAttributes.Contains(key) => (double)v.GetValue<long>(),
            var v => v.ToString(),
        };
    }

    private static (string Entity, string Key, bool Asc) ParseOrderBy(string text)
    {
        var p = new Parser(text);
        p.SkipSpace();
        if (p.AtEnd)
        {
            throw Invalid($"Invalid order_by clause '{text}'. Could not be parsed.");
        }

        var (entity, key) = p.Identifier();
        var asc = true;
        p.SkipSpace();
        if (!p.AtEnd)
        {
            var word = p.Word().ToUpperInvariant();
            asc = word switch { "ASC" => true, "DESC" => false, _ => throw Invalid($"Invalid order_by clause '{text}'. Could not be parsed.") };
            p.SkipSpace();
            if (!p.AtEnd)
            {
                throw Invalid($"Invalid order_by clause '{text}'. Could not be parsed.");
            }
        }

        if (entity == "dataset")
        {
            throw Invalid($"Invalid order_by entity type '{entity}'");
        }

        if (entity == "attribute" && !StringAttributes.Contains(key) && !NumericAttributes.Contains(key) && key is not ("name" or "experiment_id" or "creation_time" or "last_update_time"))
        {
            throw Invalid($"Invalid attribute key '{key}' specified.");
        }

        return (entity, key, asc);
    }

    private static List<Clause> ParseAll(string? filter)
    {
        var result = new List<Clause>();
        if (string.IsNullOrWhiteSpace(filter))
        {
            return result;
        }

        var p = new Parser(filter);
        while (true)
        {
            result.Add(p.Clause());
            p.SkipSpace();
            if (p.AtEnd)
            {
                return result;
            }

            var word = p.Word();
            if (!word.Equals("AND", StringComparison.OrdinalIgnoreCase))
            {
                throw Invalid($"Invalid clause(s) in filter string: '{filter}'. Only AND-joined clauses are supported, got '{word}'.");
            }
        }
    }

    private static void ValidateRunClause(Clause c)
    {
        switch (c.Entity)
        {
            case "metric":
                if (!NumericComparators.Contains(c.Op))
                {
                    throw Invalid($"Invalid comparator '{c.Op}' not one of '{{'>', '<', '<=', '!=', '=', '>='}}'");
                }

                if (c.Number is null)
                {
                    throw Invalid($"Expected numeric value type for metric. Found {c.Text}");
                }

                break;
            case "param" or "tag":
                if (!StringComparators.Contains(c.Op))
                {
                    throw Invalid($"Invalid comparator '{c.Op}' not one of '{{'!=', '=', 'LIKE', 'ILIKE'}}'");
                }

                if (c.Text is null)
                {
                    throw Invalid($"Expected a quoted string value for {c.Entity}s. Got value {c.Number}");
                }

                break;
            case "dataset":
                if (!DatasetKeys.Contains(c.Key))
                {
                    throw Invalid($"Invalid dataset key '{c.Key}' specified. Valid keys are '{{'name', 'digest', 'context'}}'");
                }

                if (c.Op is not ("IN" or "NOT IN") && !StringComparators.Contains(c.Op))
                {
                    throw Invalid($"Invalid comparator '{c.Op}' for dataset.");
                }

                break;
            default:
                if (NumericAttributes.Contains(c.Key))
                {
                    if (!NumericComparators.Contains(c.Op) || c.Number is not { } n || n != Math.Floor(n))
                    {
                        throw Invalid($"Expected an integer value for numeric attribute '{c.Key}'. Found {c.Text ?? c.Number?.ToString(CultureInfo.InvariantCulture)}");
                    }
                }
                else if (StringAttributes.Contains(c.Key))
                {
                    var ok = StringComparators.Contains(c.Op) || (c.Key == "run_id" && c.Op is "IN" or "NOT IN");
                    if (!ok)
                    {
                        throw Invalid($"Invalid comparator '{c.Op}' for attribute '{c.Key}'.");
                    }

                    if (c.Text is null && c.List is null)
                    {
                        throw Invalid($"Expected a quoted string value for attributes. Got value {c.Number}");
                    }
                }
                else
                {
                    throw Invalid($"Invalid attribute key '{c.Key}' specified. Valid keys are '{string.Join(", ", StringAttributes.Concat(NumericAttributes))}'");
                }

                break;
        }

        if (c.Op is "IN" or "NOT IN" && c.List is null)
        {
            throw Invalid($"While parsing a list in the query, expected a parenthesised list of string values for '{c.Key}'.");
        }
    }

    private static bool MatchesRun(JsonObject run, Clause c)
    {
        switch (c.Entity)
        {
            case "metric":
                var m = Find(run["data"]!["metrics"], c.Key);
                return m is not null && !double.IsNaN(ParseDouble(m)) && CompareNumber(ParseDouble(m), c);
            case "param":
                return CompareString(Find(run["data"]!["params"], c.Key), c);
            case "tag":
                return CompareString(Find(run["data"]!["tags"], c.Key), c);
            case "dataset":
                foreach (var d in run["inputs"]?["dataset_inputs"]?.AsArray() ?? [])
                {
                    var value = c.Key == "context"
                        ? Find(d!["tags"], "mlflow.data.context")
                        : d!["dataset"]?[c.Key]?.GetValue<string>();
                    if (CompareString(value, c))
                    {
                        return true;
                    }
                }

                return false;
            default:
                var a = Attribute(run, c.Key);
                return a switch
                {
                    null => false,
                    double d => CompareNumber(d, c),
                    _ => CompareString((string)a, c),
                };
        }
    }

    private static bool CompareNumber(double a, Clause c)
    {
        var b = c.Number!.Value;
        return c.Op switch { "=" => a == b, "!=" => a != b, ">" => a > b, ">=" => a >= b, "<" => a < b, "<=" => a <= b, _ => false };
    }

    private static bool CompareString(string? actual, Clause c)
    {
        if (actual is null)
        {
            return false;
        }

        return c.Op switch
        {
            "IN" => c.List!.Contains(actual),
            "NOT IN" => !c.List!.Contains(actual),
            "=" => actual == c.Text,
            "!=" => actual != c.Text,
            "LIKE" => Like(actual, c.Text!, false),
            "ILIKE" => Like(actual, c.Text!, true),
            _ => throw Invalid($"Invalid comparator '{c.Op}' for string."),
        };
    }

    private static string? Find(JsonNode? array, string key)
    {
        foreach (var item in array?.AsArray() ?? [])
        {
            if (item!["key"]!.GetValue<string>() == key)
            {
                return item["value"]!.ToString();
            }
        }

        return null;
    }

    private static double ParseDouble(string s) => s switch
    {
        "NaN" => double.NaN,
        "Infinity" => double.PositiveInfinity,
        "-Infinity" => double.NegativeInfinity,
        _ => double.Parse(s, CultureInfo.InvariantCulture),
    };

    private static bool Like(string value, string pattern, bool ignoreCase)
    {
        var regex = new StringBuilder("^");
        foreach (var ch in pattern)
        {
            regex.Append(ch switch { '%' => ".*", '_' => ".", _ => Regex.Escape(ch.ToString()) });
        }

        return Regex.IsMatch(value, regex.Append('$').ToString(), (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None) | RegexOptions.Singleline);
    }

    private static FakeMlflowServer.MlflowError Invalid(string message) => new("INVALID_PARAMETER_VALUE", message);

    private static string Entity(string raw) => raw.ToLowerInvariant() switch
    {
        "metric" or "metrics" => "metric",
        "param" or "params" or "parameter" or "parameters" => "param",
        "tag" or "tags" => "tag",
        "attribute" or "attributes" or "attr" or "run" => "attribute",
        "dataset" or "datasets" => "dataset",
        _ => throw Invalid($"Invalid entity type '{raw}'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']"),
    };

    /// <summary>A hand-written scanner over one filter or order_by string.</summary>
    private sealed class Parser(string text)
    {
        private int _pos;

        public bool AtEnd => _pos >= text.Length;

        public void SkipSpace()
        {
            while (!AtEnd && char.IsWhiteSpace(text[_pos]))
            {
                _pos++;
            }
        }

        public string Word()
        {
            var start = _pos;
            while (!AtEnd && (char.IsLetterOrDigit(text[_pos]) || text[_pos] == '_'))
            {
                _pos++;
            }

            return start == _pos ? throw Invalid($"Invalid clause(s) in filter string: '{text}'. Unexpected '{text[_pos..]}'.") : text[start.._pos];
        }

        public (string Entity, string Key) Identifier()
        {
            SkipSpace();
            var first = Part(allowDots: false);
            if (!AtEnd && text[_pos] == '.')
            {
                _pos++;
                var key = Part(allowDots: true);
                return (Entity(first), key);
            }

            // An unprefixed identifier is an attribute (run_name, status, start_time, created, ...).
            return ("attribute", first);
        }

        public Clause Clause()
        {
            var (entity, key) = Identifier();
            SkipSpace();
            var op = Comparator();
            SkipSpace();
            if (AtEnd)
            {
                throw Invalid($"Invalid clause(s) in filter string: '{text}'. Expected a value after '{op}'.");
            }

            var ch = text[_pos];
            if (ch == '(')
            {
                _pos++;
                var list = new List<string>();
                while (true)
                {
                    SkipSpace();
                    if (AtEnd || text[_pos] is not ('\'' or '"'))
                    {
                        throw Invalid($"While parsing a list in the query, expected string value or punctuation, but got different type in list: '{text}'");
                    }

                    list.Add(Quoted(text[_pos]));
                    SkipSpace();
                    if (AtEnd)
                    {
                        throw Invalid($"Invalid clause(s) in filter string: '{text}'. The list is not closed.");
                    }

                    if (text[_pos] == ',')
                    {
                        _pos++;
                        continue;
                    }

                    if (text[_pos] == ')')
                    {
                        _pos++;
                        break;
                    }

                    throw Invalid($"Invalid clause(s) in filter string: '{text}'.");
                }

                return new Clause(entity, key, op, null, null, list);
            }

            if (ch is '\'' or '"')
            {
                return new Clause(entity, key, op, Quoted(ch), null, null);
            }

            var start = _pos;
            while (!AtEnd && (char.IsLetterOrDigit(text[_pos]) || text[_pos] is '.' or '-' or '+' or '_'))
            {
                _pos++;
            }

            var raw = text[start.._pos];
            if (raw.Length == 0 || !double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                throw Invalid($"Invalid clause(s) in filter string: '{text}'. Value '{(raw.Length == 0 ? text[start..] : raw)}' is neither a number nor quoted.");
            }

            return new Clause(entity, key, op, null, number, null);
        }

        private string Comparator()
        {
            if (AtEnd)
            {
                throw Invalid($"Invalid clause(s) in filter string: '{text}'. Expected a comparator.");
            }

            foreach (var symbol in (ReadOnlySpan<string>)["!=", ">=", "<=", "=", ">", "<"])
            {
                if (string.CompareOrdinal(text, _pos, symbol, 0, symbol.Length) == 0)
                {
                    _pos += symbol.Length;
                    if (!AtEnd && text[_pos] is '=' or '>' or '<')
                    {
                        throw Invalid($"Invalid comparator '{symbol}{text[_pos]}' in filter string: '{text}'.");
                    }

                    return symbol;
                }
            }

            var word = Word().ToUpperInvariant();
            if (word == "NOT")
            {
                SkipSpace();
                var next = Word().ToUpperInvariant();
                return next is "IN" or "LIKE" or "ILIKE" ? "NOT " + next : throw Invalid($"Invalid comparator 'NOT {next}'.");
            }

            return word is "LIKE" or "ILIKE" or "IN" ? word : throw Invalid($"Invalid comparator '{word}' in filter string: '{text}'.");
        }

        private string Part(bool allowDots)
        {
            if (AtEnd)
            {
                throw Invalid($"Invalid clause(s) in filter string: '{text}'.");
            }

            if (text[_pos] is '`' or '"')
            {
                return Quoted(text[_pos]);
            }

            var start = _pos;
            while (!AtEnd && (char.IsLetterOrDigit(text[_pos]) || text[_pos] is '_' or '-' or ':' or '/' || (allowDots && text[_pos] == '.')))
            {
                _pos++;
            }

            return start == _pos ? throw Invalid($"Invalid clause(s) in filter string: '{text}'. Unexpected character '{text[_pos]}'.") : text[start.._pos];
        }

        private string Quoted(char quote)
        {
            var sb = new StringBuilder();
            _pos++;
            while (true)
            {
                if (AtEnd)
                {
                    throw Invalid($"Invalid clause(s) in filter string: '{text}'. A quoted value is not closed.");
                }

                var c = text[_pos++];
                if (c == quote)
                {
                    if (quote == '\'' && !AtEnd && text[_pos] == '\'')
                    {
                        sb.Append('\'');
                        _pos++;
                        continue;
                    }

                    return sb.ToString();
                }

                sb.Append(c);
            }
        }
    }
}
