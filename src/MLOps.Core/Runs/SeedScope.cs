namespace MLOps.Runs;

/// <summary>
/// A seed made current by <see cref="Seeds.Set(int)"/> or <see cref="Seeds.Set()"/>, with a <see cref="System.Random"/>
/// seeded from it. Disposing it makes the previous seed current again.
/// </summary>
/// <remarks>
/// <see cref="Random"/> is not thread-safe: give each thread its own generator (for example <c>new Random(scope.Seed + workerIndex)</c>).
/// A seeded <see cref="System.Random"/> yields the same sequence on every .NET version and operating system.
/// </remarks>
public sealed class SeedScope : IDisposable
{
    private readonly SeedScope? _previous;
    private int _disposed;

    internal SeedScope(int seed, SeedSource source, SeedScope? previous)
    {
        Seed = seed;
        Source = source;
        Random = new Random(seed);
        _previous = previous;
    }

    /// <summary>Gets the seed.</summary>
    public int Seed { get; }

    /// <summary>Gets where the seed came from.</summary>
    public SeedSource Source { get; }

    /// <summary>Gets a generator seeded with <see cref="Seed"/>. Not thread-safe.</summary>
    public Random Random { get; }

    /// <summary>Makes the previous seed current again, if this one is still current. Safe to call more than once.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Seeds.Restore(this, _previous);
        }
    }
}
