using MLOps.Features.Online;
using MLOps.Features.Tests;

namespace MLOps.Features.Redis.Tests;

/// <summary>The shared <see cref="IOnlineStore"/> contract suite (the one SQLite passes) against a real redis-server.</summary>
public sealed class RedisOnlineStoreContractTests(RedisServerFixture redis) : OnlineStoreContractTests, IClassFixture<RedisServerFixture>, IAsyncDisposable
{
    private readonly List<RedisOnlineStore> _stores = [];

    protected override IOnlineStore CreateStore()
    {
        redis.SkipIfUnavailable();

        // A project of its own per test: keys never collide across tests sharing the server.
        var store = new RedisOnlineStore(new RedisOnlineStoreOptions().Use("contract_" + Guid.NewGuid().ToString("N"), redis.Configuration), Time);
        _stores.Add(store);
        return store;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var s in _stores)
        {
            await s.DisposeAsync();
        }
    }
}
