using Microsoft.Extensions.Time.Testing;

namespace MLOps.Registry.Tests;

/// <summary>The embedded backend of the shared registry contract: a <see cref="TestRegistry"/> (fresh SQLite file and artifact folder, fake clock).</summary>
internal sealed class SqliteRegistryBackend : RegistryBackend
{
    public TestRegistry Test { get; } = new();

    public override IModelRegistry Registry => Test.Registry;

    public override FakeTimeProvider Time => Test.Time;

    public override ValueTask DisposeAsync()
    {
        Test.Dispose();
        return ValueTask.CompletedTask;
    }
}
