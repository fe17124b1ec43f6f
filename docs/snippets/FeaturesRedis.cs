using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Features;
using MLOps.Features.Online;
using MLOps.Features.Redis;

namespace MLOps.Docs.Snippets;

/// <summary>The code of docs/guides/features-redis.md.</summary>
public static class FeaturesRedis
{
    /// <summary>Registers the feature store with Redis as its online store.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The host's configuration (the password from a secret store or the environment).</param>
    /// <param name="catalogue">The feature definitions.</param>
    public static void Register(IServiceCollection services, IConfiguration configuration, FeatureCatalogue catalogue)
    {
        #region register
        services.AddMLOps().AddFeatureStore(o => o
            .UseCatalogue(catalogue)
            .UseRedisOnlineStore(r =>                                // replaces the SQLite online store and watermarks
            {
                r.Project = "fraud";                                 // Feast's `project`: part of every key
                r.Endpoints.Add("redis.internal:6379");
                r.User = "features";                                 // ACL user (Redis 6+), optional
                r.Password = configuration["Redis:Password"];        // never logged
                r.UseTls = true;
                r.ConnectTimeout = TimeSpan.FromSeconds(5);
                r.OperationTimeout = TimeSpan.FromMilliseconds(250); // bound of each read, write or delete
                r.KeyTtl = TimeSpan.FromDays(7);                     // Feast's key_ttl_seconds; null: no expiry
            }));
        #endregion
    }

    /// <summary>Registers the store from a StackExchange.Redis configuration string.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The host's configuration.</param>
    /// <param name="catalogue">The feature definitions.</param>
    public static void RegisterFromConfigurationString(IServiceCollection services, IConfiguration configuration, FeatureCatalogue catalogue)
    {
        #region register-configuration-string
        // "redis-0:6379,redis-1:6379,ssl=true,password=..." from a secret store; the options below override it.
        services.AddMLOps().AddFeatureStore(o => o
            .UseCatalogue(catalogue)
            .UseRedisOnlineStore(r =>
            {
                r.Project = "fraud";
                r.Configuration = configuration["Redis:Configuration"];
                r.Database = 0;                                      // Feast's db=0
                r.HgetallFieldThreshold = 50;                        // reads of 50+ fields: HGETALL, as Feast's Java server
            }));
        #endregion
    }

    /// <summary>Uses the store without dependency injection.</summary>
    /// <param name="view">A feature view of the catalogue.</param>
    /// <returns>A task that completes when done.</returns>
    public static async Task StandaloneAsync(FeatureView view)
    {
        #region standalone
        await using var store = new RedisOnlineStore(new RedisOnlineStoreOptions().Use("fraud", "localhost:6379"));

        var now = DateTimeOffset.UtcNow;
        int written = await store.WriteBatchAsync(view, [
            new OnlineWriteRow([1001L], [0.42f, 17L], now),          // values in the view's feature order
            new OnlineWriteRow([1002L], [null, 3L], now),            // a null is stored, read back as NULL_VALUE
        ]);                                                          // rows at or before the stored _ts are skipped

        OnlineFeatureValue[][] rows = await store.ReadAsync(view, [[1001L], [9999L]], ["conv_rate", "trips"]);
        Console.WriteLine($"{written} written; 1001: {rows[0][0].Value} {rows[0][0].Status}; 9999: {rows[1][0].Status}");   // NotFound
        #endregion
    }

    /// <summary>Handles a Redis outage on the request path.</summary>
    /// <param name="store">The feature store (Redis-backed).</param>
    /// <param name="driverId">The entity.</param>
    /// <returns>The feature value, or a default during an outage.</returns>
    public static async Task<float> OutageAsync(FeatureStore store, long driverId)
    {
        #region outage
        try
        {
            OnlineFeaturesResponse online = await store.GetOnlineFeaturesAsync(new OnlineFeaturesRequest
            {
                Features = ["driver_stats:conv_rate"],
                Entities = new Dictionary<string, IReadOnlyList<object?>> { ["driver_id"] = [driverId] },
            });
            return online.Column("conv_rate").Values[0] is float conv ? conv : 0f;
        }
        catch (RedisOnlineStoreException ex) when (ex.IsTransient)
        {
            // Connection lost, OperationTimeout passed, or the server is loading: raised within OperationTimeout.
            // The connection comes back by itself; decide here what a missing feature means.
            return 0f;
        }
        #endregion
    }

    /// <summary>Shows the bytes Feast and this store share.</summary>
    /// <param name="store">The store.</param>
    /// <param name="view">A feature view.</param>
    public static void Layout(RedisOnlineStore store, FeatureView view)
    {
        #region layout
        byte[] key = store.RedisKey(view, [1001L]);                  // Feast's serialized entity key + "fraud"
        byte[] field = MurmurHash3.FeastFieldName("driver_hourly_stats", "conv_rate");   // 61 60 e3 da
        Console.WriteLine($"{Convert.ToHexString(key)} {Convert.ToHexString(field)}");
        #endregion
    }
}
