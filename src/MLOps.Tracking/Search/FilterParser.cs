using System.Globalization;

namespace MLOps.Tracking.Search;

/// <summary>The kind of thing a filter clause compares.</summary>
internal enum FilterEntity
{
    Metric,
    Param,
    Tag,
    Attribute,
    Dataset,
}

/// <summary>What a search is over: the attributes and entities its filter and order may name.</summary>
internal enum SearchScope
{
    Runs,
    Experiments,
}

/// <summary>A filter value: a quoted string, a number, or a parenthesised list of strings.</summary>
internal sealed record FilterValue(string? Text, double? Number, IReadOnlyList<string>? List, int Position);

/// <summary>One <c>identifier comparator value</c> clause. <see cref="Key"/> of an attribute is canonical (<c>created</c> → <c>start_time</c>).</summary>
internal sealed record FilterClause(FilterEntity Entity, string Key, string Comparator, FilterValue Value, int Position);

/// <summary>One <c>order_by</c> term.</summary>
internal sealed record OrderTerm(FilterEntity Entity, string Key, bool Ascending);

/// <summary>
/// Parses MLflow's search filter DSL (<c>mlflow/utils/search_utils.py</c>) into clauses joined by AND, with
/// errors that point at the character where the problem is. Values never leave this class as SQL: the store
/// binds them as parameters.
/// </summary>
internal static class FilterParser
{
    public static readonly string[] NumericAttributes = ["start_time", "end_time"];
    public static readonly string[] StringAttributes = ["run_id", "run_name", "status", "user_id", "artifact_uri"];
    public static readonly string[] ExperimentNumericAttributes = ["creation_time", "last_update_time"];

    private static readonly string[] NumericComparators = ["=", "!=", ">", ">=", "<", "<="];
    private static readonly string[] StringComparators = ["=", "!=", "LIKE", "ILIKE"];
    private static readonly string[] ListComparators = ["=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"];

    public static IReadOnlyList<FilterClause> Parse(string? filter, SearchScope scope = SearchScope.Runs)
    {
        if (string.IsNullOrWhiteSpace(filter))
        {
            return [];
        }

        var tokens = Tokenizer.Tokenize(filter);
        var reader = new TokenReader(filter, tokens);
        var clauses = new List<FilterClause>();
        while (true)
        {
            clauses.Add(ParseClause(reader, scope));
            var next = reader.Peek();
            if (next.Kind == TokenKind.End)
            {
                return clauses;
            }

            if (next.Kind == TokenKind.Word && next.Text.Equals("AND", StringComparison.OrdinalIgnoreCase))
            {
                reader.Next();
                if (reader.Peek().Kind == TokenKind.End)
                {
                    throw reader.Error(reader.Peek().Position, "expected a clause after AND, found the end of the filter");
                }

                continue;
            }

            var hint = next.Kind == TokenKind.Word && next.Text.Equals("OR", StringComparison.OrdinalIgnoreCase)
                ? "; OR is not supported, only AND: run one search per alternative"
                : "; join clauses with AND";
            throw reader.Error(next.Position, $"expected AND or the end of the filter, found '{next.Text}'{hint}");
        }
    }

    public static IReadOnlyList<OrderTerm> ParseOrderBy(IReadOnlyList<string>? orderBy, SearchScope scope = SearchScope.Runs)
    {
        if (orderBy is null || orderBy.Count == 0)
        {
            return [];
        }

        var terms = new List<OrderTerm>(orderBy.Count);
        foreach (var text in orderBy)
        {
            ArgumentNullException.ThrowIfNull(text, nameof(orderBy));
            var reader = new TokenReader(text, Tokenizer.Tokenize(text));
            if (reader.Peek().Kind == TokenKind.End)
            {
                throw reader.Error(0, "the order_by clause is empty; write for example 'metrics.f1 DESC'");
            }

            var (entity, key, _) = ParseIdentifier(reader, scope, forOrder: true);
            var ascending = true;
            var next = reader.Next();
            if (next.Kind == TokenKind.Word && (next.Text.Equals("ASC", StringComparison.OrdinalIgnoreCase) || next.Text.Equals("DESC", StringComparison.OrdinalIgnoreCase)))
            {
                ascending = next.Text.Equals("ASC", StringComparison.OrdinalIgnoreCase);
                next = reader.Next();
            }

            if (next.Kind != TokenKind.End)
            {
                throw reader.Error(next.Position, $"expected ASC, DESC or the end of the order_by clause, found '{next.Text}'");
            }

            terms.Add(new OrderTerm(entity, key, ascending));
        }

        return terms;
    }

    private static FilterClause ParseClause(TokenReader reader, SearchScope scope)
    {
        var start = reader.Peek().Position;
        var (entity, key, keyPosition) = ParseIdentifier(reader, scope, forOrder: false);
        var comparatorToken = reader.Next();
        string comparator;
        if (comparatorToken.Kind == TokenKind.Operator)
        {
            comparator = comparatorToken.Text;
        }
        else if (comparatorToken.Kind == TokenKind.Word && comparatorToken.Text.ToUpperInvariant() is "LIKE" or "ILIKE" or "IN")
        {
            comparator = comparatorToken.Text.ToUpperInvariant();
        }
        else if (comparatorToken.Kind == TokenKind.Word && comparatorToken.Text.Equals("NOT", StringComparison.OrdinalIgnoreCase)
                 && reader.Peek() is { Kind: TokenKind.Word } inToken && inToken.Text.Equals("IN", StringComparison.OrdinalIgnoreCase))
        {
            reader.Next();
            comparator = "NOT IN";
        }
        else if (comparatorToken.Kind == TokenKind.End)
        {
            throw reader.Error(comparatorToken.Position, $"expected a comparator after '{key}', found the end of the filter");
        }
        else
        {
            throw reader.Error(comparatorToken.Position, $"expected a comparator (=, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN), found '{comparatorToken.Text}'");
        }

        var allowed = AllowedComparators(entity, key, scope);
        if (Array.IndexOf(allowed, comparator) < 0)
        {
            throw reader.Error(comparatorToken.Position,
                $"invalid comparator '{comparator}' for {Describe(entity, key)}; use one of {string.Join(", ", allowed)}");
        }

        var value = ParseValue(reader);
        CheckValueType(reader, entity, key, comparator, value, scope);
        return new FilterClause(entity, key, comparator, value, start == keyPosition ? start : start);
    }

    private static (FilterEntity Entity, string Key, int KeyPosition) ParseIdentifier(TokenReader reader, SearchScope scope, bool forOrder)
    {
        var first = reader.Next();
        string? entityText = null;
        int entityPosition = first.Position;
        string key;
        int keyPosition;
        switch (first.Kind)
        {
            case TokenKind.Word when first.Text.Contains('.', StringComparison.Ordinal):
                var dot = first.Text.IndexOf('.', StringComparison.Ordinal);
                entityText = first.Text[..dot];
                key = first.Text[(dot + 1)..];
                keyPosition = first.Position + dot + 1;
                if (key.Length == 0)
                {
                    var quoted = reader.Next();
                    if (quoted.Kind is not (TokenKind.DoubleQuoted or TokenKind.Backticked) || quoted.Text.Length == 0)
                    {
                        throw reader.Error(quoted.Position, $"expected a key after '{first.Text}', for example {first.Text}\"my key\"");
                    }

                    key = quoted.Text;
                    keyPosition = quoted.Position;
                }

                break;
            case TokenKind.Backticked when reader.Peek().Kind == TokenKind.Dot:
                entityText = first.Text;
                reader.Next();
                var keyToken = reader.Next();
                if (keyToken.Kind is not (TokenKind.Word or TokenKind.DoubleQuoted or TokenKind.Backticked) || keyToken.Text.Length == 0)
                {
                    throw reader.Error(keyToken.Position, $"expected a key after '`{first.Text}`.'");
                }

                key = keyToken.Text;
                keyPosition = keyToken.Position;
                break;
            case TokenKind.Word or TokenKind.Backticked or TokenKind.DoubleQuoted when first.Text.Length > 0 && !IsKeyword(first):
                key = first.Text;
                keyPosition = first.Position;
                break;
            case TokenKind.End:
                throw reader.Error(first.Position, "expected an identifier such as metrics.f1, params.lr, tags.team or status, found the end of the filter");
            default:
                throw reader.Error(first.Position, $"expected an identifier such as metrics.f1, params.lr, tags.team or status, found '{first.Text}'");
        }

        FilterEntity entity;
        if (entityText is null)
        {
            entity = FilterEntity.Attribute;
        }
        else
        {
            entity = entityText.ToLowerInvariant() switch
            {
                "metric" or "metrics" when scope == SearchScope.Runs => FilterEntity.Metric,
                "param" or "params" or "parameter" or "parameters" when scope == SearchScope.Runs => FilterEntity.Param,
                "tag" or "tags" => FilterEntity.Tag,
                "attribute" or "attributes" or "attr" or "run" => FilterEntity.Attribute,
                "dataset" or "datasets" when scope == SearchScope.Runs && !forOrder => FilterEntity.Dataset,
                _ => throw reader.Error(entityPosition, $"invalid entity type '{entityText}'; valid ones are {(scope == SearchScope.Runs ? "metrics, params, tags, attributes" + (forOrder ? "" : ", datasets") : "tags, attributes")}"),
            };
        }

        if (entity == FilterEntity.Attribute)
        {
            key = CanonicalAttribute(key, scope) ?? throw reader.Error(keyPosition,
                $"invalid attribute key '{key}'; valid ones are {string.Join(", ", scope == SearchScope.Runs ? ["run_id", "run_name", "status", "user_id", "artifact_uri", "start_time", "end_time", "created"] : (string[])["name", "experiment_id", "creation_time", "last_update_time"])}");
            if (scope == SearchScope.Experiments && key == "experiment_id" && !forOrder)
            {
                throw reader.Error(keyPosition, "experiment_id can be used in order_by only; filter on name or tags instead");
            }
        }
        else if (entity == FilterEntity.Dataset && key is not ("name" or "digest" or "context"))
        {
            throw reader.Error(keyPosition, $"invalid dataset key '{key}'; valid ones are name, digest, context");
        }

        return (entity, key, keyPosition);
    }

    private static string? CanonicalAttribute(string key, SearchScope scope) => scope == SearchScope.Runs
        ? key.ToLowerInvariant() switch
        {
            "run_id" => "run_id",
            "run_name" or "run name" => "run_name",
            "status" => "status",
            "user_id" => "user_id",
            "artifact_uri" => "artifact_uri",
            "start_time" or "created" => "start_time",
            "end_time" => "end_time",
            _ => null,
        }
        : key.ToLowerInvariant() switch
        {
            "name" => "name",
            "experiment_id" => "experiment_id",
            "creation_time" => "creation_time",
            "last_update_time" => "last_update_time",
            _ => null,
        };

    private static string[] AllowedComparators(FilterEntity entity, string key, SearchScope scope) => entity switch
    {
        FilterEntity.Metric => NumericComparators,
        FilterEntity.Param or FilterEntity.Tag => StringComparators,
        FilterEntity.Dataset => ListComparators,
        _ when IsNumericAttribute(key, scope) => NumericComparators,
        _ when key == "run_id" => ListComparators,
        _ => StringComparators,
    };

    public static bool IsNumericAttribute(string key, SearchScope scope) =>
        Array.IndexOf(scope == SearchScope.Runs ? NumericAttributes : ExperimentNumericAttributes, key) >= 0;

    private static FilterValue ParseValue(TokenReader reader)
    {
        var token = reader.Next();
        switch (token.Kind)
        {
            case TokenKind.SingleQuoted or TokenKind.DoubleQuoted:
                return new FilterValue(token.Text, null, null, token.Position);
            case TokenKind.Number:
                return new FilterValue(token.Text, double.Parse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture), null, token.Position);
            case TokenKind.LeftParen:
                var items = new List<string>();
                while (true)
                {
                    var item = reader.Next();
                    if (item.Kind is not (TokenKind.SingleQuoted or TokenKind.DoubleQuoted))
                    {
                        throw reader.Error(item.Position, item.Kind == TokenKind.End
                            ? "the list is not closed; end it with ')'"
                            : $"expected a quoted string in the list, found '{item.Text}'");
                    }

                    items.Add(item.Text);
                    var separator = reader.Next();
                    if (separator.Kind == TokenKind.RightParen)
                    {
                        return new FilterValue(null, null, items, token.Position);
                    }

                    if (separator.Kind != TokenKind.Comma)
                    {
                        throw reader.Error(separator.Position, separator.Kind == TokenKind.End
                            ? "the list is not closed; end it with ')'"
                            : $"expected ',' or ')' in the list, found '{separator.Text}'");
                    }
                }

            case TokenKind.End:
                throw reader.Error(token.Position, "expected a value, found the end of the filter");
            case TokenKind.Word or TokenKind.Backticked:
                throw reader.Error(token.Position, $"the value '{token.Text}' is not quoted; put string values in single or double quotes, for example 'abc'");
            default:
                throw reader.Error(token.Position, $"expected a value, found '{token.Text}'");
        }
    }

    private static void CheckValueType(TokenReader reader, FilterEntity entity, string key, string comparator, FilterValue value, SearchScope scope)
    {
        var numeric = entity == FilterEntity.Metric || (entity == FilterEntity.Attribute && IsNumericAttribute(key, scope));
        if (comparator is "IN" or "NOT IN")
        {
            if (value.List is null)
            {
                throw reader.Error(value.Position, $"{comparator} needs a parenthesised list of quoted strings, for example ('a', 'b')");
            }

            return;
        }

        if (value.List is not null)
        {
            throw reader.Error(value.Position, $"a list is only allowed with IN and NOT IN, not with '{comparator}'");
        }

        if (numeric && value.Number is null)
        {
            throw reader.Error(value.Position, $"expected a numeric value for {Describe(entity, key)}, found the string '{value.Text}'; write the number without quotes");
        }

        if (!numeric && value.Number is not null)
        {
            throw reader.Error(value.Position, $"expected a quoted string value for {Describe(entity, key)}, found the number {value.Text}; {(entity == FilterEntity.Param ? "params are strings: " : "")}quote it, for example '{value.Text}'");
        }

        if (numeric && entity == FilterEntity.Attribute && (value.Number != Math.Floor(value.Number!.Value) || double.IsInfinity(value.Number.Value)))
        {
            throw reader.Error(value.Position, $"expected an integer number of Unix milliseconds for {key}, found {value.Text}");
        }
    }

    private static string Describe(FilterEntity entity, string key) => entity switch
    {
        FilterEntity.Metric => $"metric '{key}'",
        FilterEntity.Param => $"param '{key}'",
        FilterEntity.Tag => $"tag '{key}'",
        FilterEntity.Dataset => $"dataset {key}",
        _ => $"attribute '{key}'",
    };

    private static bool IsKeyword(Token token) =>
        token.Kind == TokenKind.Word && token.Text.ToUpperInvariant() is "AND" or "OR" or "LIKE" or "ILIKE" or "IN" or "NOT";

    private sealed class TokenReader(string text, List<Token> tokens)
    {
        private int _index;

        public Token Peek() => tokens[_index];

        public Token Next()
        {
            var token = tokens[_index];
            if (_index < tokens.Count - 1)
            {
                _index++;
            }

            return token;
        }

        public FilterSyntaxException Error(int position, string reason) => new(text, position, reason);
    }
}

internal enum TokenKind
{
    Word,
    Number,
    SingleQuoted,
    DoubleQuoted,
    Backticked,
    Operator,
    Dot,
    Comma,
    LeftParen,
    RightParen,
    End,
}

internal readonly record struct Token(TokenKind Kind, string Text, int Position);

internal static class Tokenizer
{
    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i >= text.Length)
            {
                tokens.Add(new Token(TokenKind.End, "", text.Length));
                return tokens;
            }

            var start = i;
            var c = text[i];
            if (c is '\'' or '"' or '`')
            {
                var value = new System.Text.StringBuilder();
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        throw new FilterSyntaxException(text, start, $"the quoted text starting here is not closed; end it with {c}");
                    }

                    if (text[i] == c)
                    {
                        if (i + 1 < text.Length && text[i + 1] == c)
                        {
                            value.Append(c); // a doubled quote stands for one, as in SQL
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    value.Append(text[i++]);
                }

                tokens.Add(new Token(c switch { '\'' => TokenKind.SingleQuoted, '"' => TokenKind.DoubleQuoted, _ => TokenKind.Backticked }, value.ToString(), start));
                continue;
            }

            if (char.IsAsciiDigit(c) || ((c is '-' or '+' or '.') && i + 1 < text.Length && (char.IsAsciiDigit(text[i + 1]) || (text[i + 1] == '.' && c != '.'))))
            {
                i++;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '.' || ((text[i] is '+' or '-') && text[i - 1] is 'e' or 'E')))
                {
                    i++;
                }

                var number = text[start..i];
                if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out _) || number.EndsWith("e", StringComparison.OrdinalIgnoreCase))
                {
                    throw new FilterSyntaxException(text, start, $"'{number}' is not a number");
                }

                tokens.Add(new Token(TokenKind.Number, number, start));
                continue;
            }

            if (char.IsLetter(c) || c == '_')
            {
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '.'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Word, text[start..i], start));
                continue;
            }

            switch (c)
            {
                case '=':
                    if (i + 1 < text.Length && text[i + 1] == '=')
                    {
                        throw new FilterSyntaxException(text, start, "'==' is not a comparator; use '='");
                    }

                    tokens.Add(new Token(TokenKind.Operator, "=", start));
                    i++;
                    continue;
                case '!':
                    if (i + 1 < text.Length && text[i + 1] == '=')
                    {
                        tokens.Add(new Token(TokenKind.Operator, "!=", start));
                        i += 2;
                        continue;
                    }

                    break;
                case '<' or '>':
                    if (i + 1 < text.Length && text[i + 1] == '=')
                    {
                        tokens.Add(new Token(TokenKind.Operator, text.Substring(i, 2), start));
                        i += 2;
                    }
                    else if (c == '<' && i + 1 < text.Length && text[i + 1] == '>')
                    {
                        throw new FilterSyntaxException(text, start, "'<>' is not a comparator; use '!='");
                    }
                    else
                    {
                        tokens.Add(new Token(TokenKind.Operator, c.ToString(), start));
                        i++;
                    }

                    continue;
                case '.':
                    tokens.Add(new Token(TokenKind.Dot, ".", start));
                    i++;
                    continue;
                case ',':
                    tokens.Add(new Token(TokenKind.Comma, ",", start));
                    i++;
                    continue;
                case '(':
                    tokens.Add(new Token(TokenKind.LeftParen, "(", start));
                    i++;
                    continue;
                case ')':
                    tokens.Add(new Token(TokenKind.RightParen, ")", start));
                    i++;
                    continue;
            }

            throw new FilterSyntaxException(text, start, $"unexpected character '{c}'");
        }
    }
}
