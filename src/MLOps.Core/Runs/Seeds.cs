using System.Globalization;
using System.Security.Cryptography;

namespace MLOps.Runs;

/// <summary>
/// Sets and records the random seed of a run. The current seed is process-wide (the last <c>Set</c> wins, as with
/// <c>numpy.random.seed</c>) and <see cref="RunContext.Capture"/> records it.
/// </summary>
/// <example>
/// <code>
/// using var seed = Seeds.Set(42);        // or MLOPS_SEED=7 dotnet run, to re-run with another seed
/// var rng = seed.Random;                  // shuffle, split, initialise with this
/// var context = RunContext.Capture();     // context.Seed == seed.Seed
/// </code>
/// </example>
/// <remarks>
/// When the <c>MLOPS_SEED</c> environment variable holds a number, it wins over the seed in code, so a run can be
/// repeated or varied without editing it. .NET has no global generator to seed: pass <see cref="SeedScope.Random"/>
/// (or generators made from <see cref="SeedScope.Seed"/>) to the code that draws random numbers. Thread-safe.
/// </remarks>
public static class Seeds
{
    /// <summary>The environment variable that overrides the seed in code: <c>MLOPS_SEED</c>.</summary>
    public const string EnvironmentVariable = "MLOPS_SEED";

    private static readonly Lock Gate = new();
    private static SeedScope? _current;

    /// <summary>Gets the current seed, or <see langword="null"/> when none is set.</summary>
    public static SeedScope? Current
    {
        get
        {
            lock (Gate)
            {
                return _current;
            }
        }
    }

    /// <summary>Makes <paramref name="seed"/> current, unless <c>MLOPS_SEED</c> is set: then its value is.</summary>
    /// <param name="seed">The seed written in code.</param>
    /// <returns>The new current seed; dispose it to restore the previous one.</returns>
    /// <exception cref="InvalidSeedException"><c>MLOPS_SEED</c> is set but is not a 32-bit whole number.</exception>
    public static SeedScope Set(int seed) => Set(seed, Environment.GetEnvironmentVariable);

    /// <summary>Makes the value of <c>MLOPS_SEED</c> current, or a randomly drawn seed when it is not set.</summary>
    /// <returns>The new current seed; dispose it to restore the previous one.</returns>
    /// <exception cref="InvalidSeedException"><c>MLOPS_SEED</c> is set but is not a 32-bit whole number.</exception>
    public static SeedScope Set() => Set(null, Environment.GetEnvironmentVariable);

    internal static SeedScope Set(int? seed, Func<string, string?> getEnvironmentVariable)
    {
        var text = getEnvironmentVariable(EnvironmentVariable);
        int value;
        SeedSource source;
        if (!string.IsNullOrWhiteSpace(text))
        {
            if (!int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
            {
                throw new InvalidSeedException(EnvironmentVariable, text);
            }

            source = SeedSource.Environment;
        }
        else if (seed is { } given)
        {
            value = given;
            source = SeedSource.Code;
        }
        else
        {
            value = RandomNumberGenerator.GetInt32(int.MaxValue);
            source = SeedSource.Generated;
        }

        lock (Gate)
        {
            _current = new SeedScope(value, source, _current);
            return _current;
        }
    }

    internal static void Restore(SeedScope scope, SeedScope? previous)
    {
        lock (Gate)
        {
            if (ReferenceEquals(_current, scope))
            {
                _current = previous;
            }
        }
    }
}
