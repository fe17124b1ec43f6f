using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MLOps.Tracking.Search;

namespace MLOps.Tracking.Sqlite;

/// <summary>Collects bound parameters; every user value reaches SQL only through <see cref="Add"/>.</summary>
internal sealed class SqlBuilder
{
    public List<(string Name, object? Value)> Parameters { get; } = [];

    public string Add(object value)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"$p{Parameters.Count}");
        Parameters.Add((name, value));
        return name;
    }
}

/// <summary>Translates parsed filter clauses and order terms into SQL over the schema, with parameters only.</summary>
/// <remarks>Only fixed identifiers from this class are written into SQL text; keys, values and lists are bound.</remarks>
internal static class SearchSql
{
    public static string RunCondition(FilterClause clause, SqlBuilder sql)
    {
        switch (clause.Entity)
        {
            case FilterEntity.Metric:
                return $"r.id IN (SELECT run_id FROM latest_metrics WHERE key = {sql.Add(clause.Key)} AND is_nan = 0 AND value {clause.Comparator} {sql.Add(clause.Value.Number!.Value)})";
            case FilterEntity.Param:
                return $"r.id IN (SELECT run_id FROM params WHERE key = {sql.Add(clause.Key)} AND {StringComparison("value", clause, sql)})";
            case FilterEntity.Tag:
                return $"r.id IN (SELECT run_id FROM tags WHERE key = {sql.Add(clause.Key)} AND {StringComparison("value", clause, sql)})";
            case FilterEntity.Dataset:
                return $"r.id IN (SELECT run_id FROM inputs WHERE {StringComparison(clause.Key switch { "name" => "name", "digest" => "digest", _ => "context" }, clause, sql)})";
            default:
                var column = clause.Key switch
                {
                    "run_id" => "r.run_uuid",
                    "run_name" => "r.name",
                    "status" => "r.status",
                    "user_id" => "r.user_id",
                    "artifact_uri" => "r.artifact_uri",
                    "start_time" => "r.start_time",
                    "end_time" => "r.end_time",
                    _ => throw new InvalidOperationException(clause.Key),
                };
                return FilterParser.IsNumericAttribute(clause.Key, SearchScope.Runs)
                    ? $"{column} {clause.Comparator} {sql.Add((long)clause.Value.Number!.Value)}"
                    : StringComparison(column, clause, sql);
        }
    }

    public static string ExperimentCondition(FilterClause clause, SqlBuilder sql)
    {
        if (clause.Entity == FilterEntity.Tag)
        {
            return $"e.experiment_id IN (SELECT experiment_id FROM experiment_tags WHERE key = {sql.Add(clause.Key)} AND {StringComparison("value", clause, sql)})";
        }

        return clause.Key switch
        {
            "name" => StringComparison("e.name", clause, sql),
            "creation_time" => $"e.creation_time {clause.Comparator} {sql.Add((long)clause.Value.Number!.Value)}",
            _ => $"e.last_update_time {clause.Comparator} {sql.Add((long)clause.Value.Number!.Value)}",
        };
    }

    public static void RunOrder(OrderTerm term, int index, SqlBuilder sql, StringBuilder joins, List<string> order)
    {
        var direction = term.Ascending ? "ASC" : "DESC";
        var alias = string.Create(CultureInfo.InvariantCulture, $"o{index}");
        switch (term.Entity)
        {
            case FilterEntity.Metric:
                joins.Append(CultureInfo.InvariantCulture, $" LEFT JOIN latest_metrics {alias} ON {alias}.run_id = r.id AND {alias}.key = {sql.Add(term.Key)}");
                order.Add($"(CASE WHEN {alias}.run_id IS NULL THEN 2 WHEN {alias}.is_nan = 1 THEN 1 ELSE 0 END)"); // as MLflow: numbers, then NaN, then missing, either direction
                order.Add($"{alias}.value {direction}");
                break;
            case FilterEntity.Param or FilterEntity.Tag:
                joins.Append(CultureInfo.InvariantCulture, $" LEFT JOIN {(term.Entity == FilterEntity.Param ? "params" : "tags")} {alias} ON {alias}.run_id = r.id AND {alias}.key = {sql.Add(term.Key)}");
                order.Add($"({alias}.value IS NULL)");
                order.Add($"{alias}.value {direction}");
                break;
            default:
                var column = term.Key switch
                {
                    "run_id" => "r.run_uuid",
                    "run_name" => "r.name",
                    "status" => "r.status",
                    "user_id" => "r.user_id",
                    "artifact_uri" => "r.artifact_uri",
                    "start_time" => "r.start_time",
                    _ => "r.end_time",
                };
                order.Add($"({column} IS NULL)");
                order.Add($"{column} {direction}");
                break;
        }
    }

    private static string StringComparison(string column, FilterClause clause, SqlBuilder sql) => clause.Comparator switch
    {
        "=" => $"{column} = {sql.Add(clause.Value.Text!)}",
        "!=" => $"{column} <> {sql.Add(clause.Value.Text!)}",
        // MLflow's LIKE is case-sensitive; SQLite's LIKE is not, so LIKE becomes GLOB over a translated pattern.
        "LIKE" => $"{column} GLOB {sql.Add(LikeToGlob(clause.Value.Text!))}",
        // SQLite's LIKE folds ASCII case, as MLflow's SQL store does on SQLite (lower() is ASCII-only there too).
        "ILIKE" => $"{column} LIKE {sql.Add(clause.Value.Text!)}",
        "IN" => $"{column} IN ({string.Join(", ", clause.Value.List!.Select(v => sql.Add(v)))})",
        _ => $"{column} NOT IN ({string.Join(", ", clause.Value.List!.Select(v => sql.Add(v)))})",
    };

    /// <summary>SQL LIKE (<c>%</c>, <c>_</c>, no escape) → SQLite GLOB (case-sensitive), with GLOB's own wildcards made literal.</summary>
    internal static string LikeToGlob(string like)
    {
        var glob = new StringBuilder(like.Length + 8);
        foreach (var c in like)
        {
            glob.Append(c switch
            {
                '%' => "*",
                '_' => "?",
                '*' => "[*]",
                '?' => "[?]",
                '[' => "[[]",
                _ => c.ToString(),
            });
        }

        return glob.ToString();
    }
}

/// <summary>Opaque page tokens: base64 of <c>{"offset":N}</c>, as MLflow's file store makes them. Callers never parse them.</summary>
internal static class PageToken
{
    public static string Encode(long offset) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new PageTokenData(offset), TrackingJson.Default.PageTokenData));

    public static long Decode(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return 0;
        }

        try
        {
            var data = JsonSerializer.Deserialize(Convert.FromBase64String(token), TrackingJson.Default.PageTokenData);
            if (data is { Offset: >= 0 })
            {
                return data.Offset;
            }
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
        }

        throw new InvalidTrackingValueException("page_token", token, $"Invalid page token '{Validation.Quote(token)}'. Pass the next_page_token of the previous page unchanged, or null for the first page.");
    }
}

internal sealed record PageTokenData([property: JsonPropertyName("offset")] long Offset);

[JsonSerializable(typeof(PageTokenData))]
[JsonSerializable(typeof(long[]))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
internal sealed partial class TrackingJson : JsonSerializerContext;
