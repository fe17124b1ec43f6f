namespace MLOps.Features.Redis.Tests;

internal static class RedisTestViews
{
    public static readonly Entity Driver = new("driver", "driver_id", FeatureValueType.Int64);

    public static FeatureView Drivers(string name = "driver_hourly_stats", TimeSpan ttl = default) => new(name, [Driver],
        [new FeatureField("conv_rate", FeatureValueType.Float32), new FeatureField("acc_rate", FeatureValueType.Float32), new FeatureField("avg_daily_trips", FeatureValueType.Int64)],
        new ParquetSource("."), ttl: ttl);

    public static RedisOnlineStoreOptions Options(RedisServerFixture redis, string? project = null) =>
        new RedisOnlineStoreOptions().Use(project ?? "p" + Guid.NewGuid().ToString("N"), redis.Configuration);
}
