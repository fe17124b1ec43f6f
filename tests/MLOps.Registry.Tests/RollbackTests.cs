namespace MLOps.Registry.Tests;

/// <summary>The rollback contract (<see cref="RollbackContract"/>) on the embedded SQLite registry.</summary>
public sealed class RollbackTests : RollbackContract
{
    protected override RegistryBackend CreateBackend() => new SqliteRegistryBackend();
}
