using MLOps.Features.Online;
using MLOps.Features.Tests;

namespace MLOps.Features.Redis.Tests;

/// <summary>The shared <see cref="IOnlineStore"/> contract suite (the one SQLite passes) against a real redis-server.</summary>
public class RedisOnlineStoreContractTests(RedisServerFixture redis) : OnlineStoreContractTests, IClassFixture<RedisServerFixture>, IAsyncDisposable
{
    private readonly List<RedisOnlineStore> _stores = [];

    protected override IOnlineStore CreateStore()
    {
        redis.SkipIfUnavailable();

        // A project of its own per test: keys never collide across tests sharing the server.
        var options = new RedisOnlineStoreOptions().Use("contract_" + Guid.NewGuid().ToString("N"), redis.Configuration);
        Configure(options);
        var store = new RedisOnlineStore(options, Time);
        _stores.Add(store);
        return store;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var s in _stores)
        {
            await s.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    protected virtual void Configure(RedisOnlineStoreOptions options)
    {
    }
}

/// <summary>The same contract with every read done by <c>HGETALL</c> (<see cref="RedisOnlineStoreOptions.HgetallFieldThreshold"/> = 1).</summary>
public sealed class RedisOnlineStoreHgetallContractTests(RedisServerFixture redis) : RedisOnlineStoreContractTests(redis)
{
    protected override void Configure(RedisOnlineStoreOptions options) => options.HgetallFieldThreshold = 1;
}
