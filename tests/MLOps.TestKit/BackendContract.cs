using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace MLOps.TestKit;

/// <summary>
/// One backend of a shared contract suite (the tracking and registry contracts): the fake clock its timestamps come
/// from, what it does differently, and its cleanup.
/// </summary>
/// <typeparam name="TCapability">The suite's enum of things the embedded backend does that another may not.</typeparam>
public abstract class ContractBackend<TCapability> : IAsyncDisposable
    where TCapability : struct, Enum
{
    /// <summary>Gets the clock the backend (or its server) stamps times with.</summary>
    public abstract FakeTimeProvider Time { get; }

    /// <summary>Says why the backend lacks a capability, or <see langword="null"/> when it has it.</summary>
    /// <param name="capability">The capability.</param>
    /// <returns>The reason, or <see langword="null"/>.</returns>
    public virtual string? Lacks(TCapability capability) => null;

    /// <inheritdoc/>
    public abstract ValueTask DisposeAsync();
}

/// <summary>The base of a shared contract suite's classes: creates the backend per test and disposes it.</summary>
/// <typeparam name="TBackend">The suite's backend type.</typeparam>
/// <typeparam name="TCapability">The suite's capability enum.</typeparam>
public abstract class BackendContract<TBackend, TCapability> : IAsyncLifetime
    where TBackend : ContractBackend<TCapability>
    where TCapability : struct, Enum
{
    private TBackend? _backend;

    /// <summary>Gets the backend of the running test.</summary>
    protected TBackend Backend => _backend ?? throw new InvalidOperationException("Not initialized.");

    /// <summary>Gets the backend's clock.</summary>
    protected FakeTimeProvider Time => Backend.Time;

    /// <inheritdoc/>
    public virtual ValueTask InitializeAsync()
    {
        _backend = CreateBackend();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public virtual async ValueTask DisposeAsync()
    {
        if (_backend is not null)
        {
            await _backend.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Creates a fresh, empty backend.</summary>
    /// <returns>The backend.</returns>
    protected abstract TBackend CreateBackend();

    /// <summary>Tells whether the backend has a capability (assertions that only hold with it are guarded by this).</summary>
    /// <param name="capability">The capability.</param>
    /// <returns><see langword="true"/> when it has it.</returns>
    protected bool Has(TCapability capability) => Backend.Lacks(capability) is null;

    /// <summary>Skips the test, with the backend's reason, when the backend lacks a capability the whole test is about.</summary>
    /// <param name="capability">The capability.</param>
    protected void Require(TCapability capability)
    {
        if (Backend.Lacks(capability) is { } why)
        {
            Assert.Skip($"Backend-specific ({capability}): {why}");
        }
    }
}
