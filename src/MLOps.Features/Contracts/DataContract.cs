using System.Globalization;
using Apache.Arrow;
using MLOps.Features.Offline;

namespace MLOps.Features.Contracts;

/// <summary>Checks on one column of a <see cref="DataContract"/>. Unset checks are not run.</summary>
public sealed class ColumnRule
{
    /// <summary>Gets the column name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the required value type, or <see langword="null"/> for any.</summary>
    public FeatureValueType? Type { get; init; }

    /// <summary>Gets whether nulls are allowed; default <see langword="true"/>.</summary>
    public bool Nullable { get; init; } = true;

    /// <summary>Gets the inclusive lower bound of numeric values, or <see langword="null"/>.</summary>
    public double? Min { get; init; }

    /// <summary>Gets the inclusive upper bound of numeric values, or <see langword="null"/>.</summary>
    public double? Max { get; init; }

    /// <summary>Gets the allowed categories (compared as invariant strings), or <see langword="null"/> for any.</summary>
    public IReadOnlySet<string>? AllowedValues { get; init; }

    /// <summary>Gets whether non-null values must be unique; default <see langword="false"/>.</summary>
    public bool Unique { get; init; }
}

/// <summary>A freshness check: the newest timestamp must be no older than <see cref="MaxAge"/>.</summary>
/// <param name="Column">An Arrow timestamp column.</param>
/// <param name="MaxAge">The largest allowed <c>now - max(column)</c>.</param>
public sealed record FreshnessRule(string Column, TimeSpan MaxAge);

/// <summary>One violated check.</summary>
/// <param name="Column">The column.</param>
/// <param name="Check"><c>missing</c>, <c>type</c>, <c>not_null</c>, <c>range</c>, <c>allowed_values</c>, <c>unique</c> or <c>freshness</c>.</param>
/// <param name="Row">The offending row, or <see langword="null"/> for a column-level violation.</param>
/// <param name="Message">What is wrong, quoting the value.</param>
public sealed record ContractViolation(string Column, string Check, int? Row, string Message);

/// <summary>The result of <see cref="DataContract.Validate"/>: every violation, not only the first.</summary>
public sealed class ContractReport
{
    internal ContractReport(string contract, int rows, IReadOnlyList<ContractViolation> violations)
    {
        Contract = contract;
        RowsChecked = rows;
        Violations = violations;
    }

    /// <summary>Gets the contract name.</summary>
    public string Contract { get; }

    /// <summary>Gets the number of rows checked.</summary>
    public int RowsChecked { get; }

    /// <summary>Gets every violation, in column-rule order then row order.</summary>
    public IReadOnlyList<ContractViolation> Violations { get; }

    /// <summary>Gets whether no check failed.</summary>
    public bool IsValid => Violations.Count == 0;

    /// <summary>Throws when a check failed.</summary>
    /// <exception cref="DataContractException">The report has violations.</exception>
    public void ThrowIfInvalid()
    {
        if (!IsValid)
        {
            throw new DataContractException(this);
        }
    }
}

/// <summary>Data did not satisfy a contract.</summary>
public sealed class DataContractException : FeatureStoreException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="report">The failed report.</param>
    public DataContractException(ContractReport report)
        : base($"Data contract '{report?.Contract}' failed with {report?.Violations.Count} violation(s); first: {(report is { Violations.Count: > 0 } ? report.Violations[0].Message : "none")}. See Report for all of them.")
    {
        ArgumentNullException.ThrowIfNull(report);
        Report = report;
    }

    /// <summary>Gets the full report.</summary>
    public ContractReport Report { get; }
}

/// <summary>
/// Declarative checks over Arrow record batches (the Great Expectations / Pandera role): types, nullability, ranges,
/// allowed categories, uniqueness and freshness, reporting every violation. Use before training and before
/// materialization. Immutable and thread-safe.
/// </summary>
public sealed class DataContract
{
    /// <summary>Creates a contract.</summary>
    /// <param name="name">Name used in reports.</param>
    /// <param name="columns">Column rules.</param>
    /// <param name="freshness">Optional freshness rule.</param>
    public DataContract(string name, IEnumerable<ColumnRule> columns, FreshnessRule? freshness = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(columns);
        Name = name;
        Columns = [.. columns];
        Freshness = freshness;
    }

    /// <summary>Gets the name.</summary>
    public string Name { get; }

    /// <summary>Gets the column rules.</summary>
    public IReadOnlyList<ColumnRule> Columns { get; }

    /// <summary>Gets the freshness rule, if any.</summary>
    public FreshnessRule? Freshness { get; }

    /// <summary>A contract derived from a view: join keys not null and typed, features typed.</summary>
    /// <param name="view">The view.</param>
    /// <returns>The contract.</returns>
    public static DataContract ForView(FeatureView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return new DataContract(view.Name,
            view.Entities.Select(static e => new ColumnRule { Name = e.JoinKey, Type = e.ValueType, Nullable = false })
                .Concat(view.Schema.Select(static f => new ColumnRule { Name = f.Name, Type = f.Type })));
    }

    /// <summary>Checks a batch.</summary>
    /// <param name="batch">The data.</param>
    /// <param name="timeProvider">Clock for freshness; default <see cref="TimeProvider.System"/>.</param>
    /// <returns>The report with every violation.</returns>
    public ContractReport Validate(RecordBatch batch, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var violations = new List<ContractViolation>();
        foreach (var rule in Columns)
        {
            var column = ArrowValues.Find(batch, rule.Name);
            if (column is null)
            {
                violations.Add(new ContractViolation(rule.Name, "missing", null, $"Column '{rule.Name}' is missing."));
                continue;
            }

            if (rule.Type is { } type && column.Data.DataType.TypeId != ArrowValues.ArrowType(type).TypeId)
            {
                violations.Add(new ContractViolation(rule.Name, "type", null, $"Column '{rule.Name}' is {column.Data.DataType.Name}, expected {type}."));
                continue;
            }

            var seen = rule.Unique ? new Dictionary<object, int>() : null;
            for (var i = 0; i < batch.Length; i++)
            {
                var value = ArrowValues.Get(column, i);
                if (value is null)
                {
                    if (!rule.Nullable)
                    {
                        violations.Add(new ContractViolation(rule.Name, "not_null", i, $"Column '{rule.Name}' is null at row {i}."));
                    }

                    continue;
                }

                if ((rule.Min is not null || rule.Max is not null) && value is not string and not bool and not DateTimeOffset)
                {
                    var d = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                    if (double.IsNaN(d) || d < (rule.Min ?? double.NegativeInfinity) || d > (rule.Max ?? double.PositiveInfinity))
                    {
                        violations.Add(new ContractViolation(rule.Name, "range", i, string.Create(CultureInfo.InvariantCulture, $"Column '{rule.Name}' has {d} at row {i}, outside [{rule.Min}, {rule.Max}].")));
                    }
                }

                if (rule.AllowedValues is { } allowed)
                {
                    var s = Convert.ToString(value, CultureInfo.InvariantCulture)!;
                    if (!allowed.Contains(s))
                    {
                        violations.Add(new ContractViolation(rule.Name, "allowed_values", i, $"Column '{rule.Name}' has '{s}' at row {i}, not one of the allowed values."));
                    }
                }

                if (seen is not null && !seen.TryAdd(value, i))
                {
                    violations.Add(new ContractViolation(rule.Name, "unique", i, string.Create(CultureInfo.InvariantCulture, $"Column '{rule.Name}' repeats '{value}' at row {i} (first at row {seen[value]}).")));
                }
            }
        }

        if (Freshness is { } fresh)
        {
            if (ArrowValues.Find(batch, fresh.Column) is not TimestampArray ts)
            {
                violations.Add(new ContractViolation(fresh.Column, "freshness", null, $"Freshness column '{fresh.Column}' is missing or not a timestamp."));
            }
            else
            {
                DateTimeOffset? newest = null;
                for (var i = 0; i < ts.Length; i++)
                {
                    if (ts.GetTimestamp(i) is { } t && (newest is null || t > newest))
                    {
                        newest = t;
                    }
                }

                var now = (timeProvider ?? TimeProvider.System).GetUtcNow();
                if (newest is null || now - newest.Value > fresh.MaxAge)
                {
                    violations.Add(new ContractViolation(fresh.Column, "freshness", null,
                        string.Create(CultureInfo.InvariantCulture, $"The newest '{fresh.Column}' is {newest?.ToString("O", CultureInfo.InvariantCulture) ?? "absent"}, older than the allowed {fresh.MaxAge} at {now:O}.")));
                }
            }
        }

        return new ContractReport(Name, batch.Length, violations);
    }
}
