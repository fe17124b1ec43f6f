using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MLOps.Mlflow.Tests;

/// <summary>A small subset of MLflow's filter DSL for the fake server (mlflow.md §5): AND-joined clauses.</summary>
internal static partial class RunFilter
{
    [GeneratedRegex(@"^\s*(?<lhs>[A-Za-z_]+(\.(`[^`]+`|""[^""]+""|[\w\-./:]+))?)\s*(?<op>!=|>=|<=|=|>|<|NOT\s+LIKE|ILIKE|LIKE)\s*(?<rhs>'[^']*'|""[^""]*""|-?[0-9.eE+\-]+)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex Clause();

    [GeneratedRegex(@"\s+and\s+", RegexOptions.IgnoreCase)]
    private static partial Regex And();

    public static bool Matches(JsonObject run, string filter)
    {
        foreach (var clause in And().Split(filter))
        {
            var (entity, key, op, rhs) = Parse(clause);
            var data = run["data"]!;
            string? actual = entity switch
            {
                "metrics" or "metric" => Find(data["metrics"], key),
                "params" or "param" => Find(data["params"], key),
                "tags" or "tag" => Find(data["tags"], key),
                _ => run["info"]![key]?.ToString(),
            };
            if (!Compare(actual, op, rhs, entity is "metrics" or "metric" || key is "start_time" or "end_time"))
            {
                return false;
            }
        }

        return true;
    }

    public static bool MatchesRegistry(string name, string? runId, IReadOnlyDictionary<string, string> tags, string filter)
    {
        foreach (var clause in And().Split(filter))
        {
            var (entity, key, op, rhs) = Parse(clause);
            var actual = entity is "tags" or "tag" ? tags.GetValueOrDefault(key) : key == "run_id" ? runId : key == "name" ? name : throw new FakeMlflowServer.MlflowError("INVALID_PARAMETER_VALUE", $"Invalid attribute key '{key}' specified.");
            if (!Compare(actual, op, rhs, false))
            {
                return false;
            }
        }

        return true;
    }

    public static List<JsonObject> Order(List<JsonObject> runs, string clause)
    {
        var parts = clause.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var desc = parts.Length > 1 && parts[1].Equals("DESC", StringComparison.OrdinalIgnoreCase);
        var dot = parts[0].IndexOf('.', StringComparison.Ordinal);
        var entity = dot < 0 ? "attributes" : parts[0][..dot];
        var key = (dot < 0 ? parts[0] : parts[0][(dot + 1)..]).Trim('`', '"');
        double? Value(JsonObject r) => entity.StartsWith("metric", StringComparison.Ordinal)
            ? (Find(r["data"]!["metrics"], key) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : null)
            : r["info"]![key] is { } n ? n.GetValue<long>() : null;

        // Missing values sort last in both directions (mlflow.md §5).
        var present = runs.Where(r => Value(r) is not null).ToList();
        var missing = runs.Where(r => Value(r) is null);
        var sorted = desc ? present.OrderByDescending(r => Value(r)!.Value) : present.OrderBy(r => Value(r)!.Value);
        return [.. sorted, .. missing];
    }

    private static (string Entity, string Key, string Op, string Rhs) Parse(string clause)
    {
        var m = Clause().Match(clause);
        if (!m.Success)
        {
            throw new FakeMlflowServer.MlflowError("INVALID_PARAMETER_VALUE", $"Invalid clause(s) in filter string: '{clause}'");
        }

        var lhs = m.Groups["lhs"].Value;
        var dot = lhs.IndexOf('.', StringComparison.Ordinal);
        var entity = dot < 0 ? "attributes" : lhs[..dot].ToLowerInvariant();
        var key = (dot < 0 ? lhs : lhs[(dot + 1)..]).Trim('`', '"');
        return (entity, key, m.Groups["op"].Value.ToUpperInvariant(), m.Groups["rhs"].Value);
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

    private static bool Compare(string? actual, string op, string rhs, bool numeric)
    {
        if (actual is null)
        {
            return false;
        }

        if (numeric)
        {
            var a = double.Parse(actual, CultureInfo.InvariantCulture);
            var b = double.Parse(rhs.Trim('\'', '"'), CultureInfo.InvariantCulture);
            return op switch { "=" => a == b, "!=" => a != b, ">" => a > b, ">=" => a >= b, "<" => a < b, "<=" => a <= b, _ => false };
        }

        if (!(rhs.StartsWith('\'') || rhs.StartsWith('"')))
        {
            throw new FakeMlflowServer.MlflowError("INVALID_PARAMETER_VALUE", $"Expected a quoted string value for attributes. Got value {rhs}");
        }

        var s = rhs[1..^1];
        return op switch
        {
            "=" => actual == s,
            "!=" => actual != s,
            "LIKE" => Like(actual, s, false),
            "ILIKE" => Like(actual, s, true),
            _ => throw new FakeMlflowServer.MlflowError("INVALID_PARAMETER_VALUE", $"Invalid comparator '{op}' for string."),
        };
    }

    private static bool Like(string value, string pattern, bool ignoreCase) =>
        Regex.IsMatch(value, "^" + Regex.Escape(pattern).Replace("%", ".*", StringComparison.Ordinal).Replace("_", ".", StringComparison.Ordinal) + "$", ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None);
}
