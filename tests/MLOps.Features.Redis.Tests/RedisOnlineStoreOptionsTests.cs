namespace MLOps.Features.Redis.Tests;

public sealed class RedisOnlineStoreOptionsTests
{
    [Fact]
    public void BuildConfiguration_AllOptions_ReachTheClient()
    {
        var o = new RedisOnlineStoreOptions { Project = "p", User = "reader", Password = "s3cret", UseTls = true, TlsHost = "redis.example", Database = 3 };
        o.Endpoints.Add("10.0.0.1:6380");
        o.Endpoints.Add("10.0.0.2:6381");
        o.ConnectTimeout = TimeSpan.FromMilliseconds(1500);
        o.OperationTimeout = TimeSpan.FromMilliseconds(250);

        var c = RedisOnlineStore.BuildConfiguration(o);

        c.EndPoints.Select(static e => e.ToString()).Should().Equal("10.0.0.1:6380", "10.0.0.2:6381");
        o.ToString().Should().NotContain("s3cret");
        c.User.Should().Be("reader");
        c.Password.Should().Be("s3cret");
        c.Ssl.Should().BeTrue();
        c.SslHost.Should().Be("redis.example");
        c.DefaultDatabase.Should().Be(3);
        c.ConnectTimeout.Should().Be(1500);
        c.AsyncTimeout.Should().Be(250);
        c.AbortOnConnectFail.Should().BeFalse("a server that is down at start must not fail the application; it reconnects");
    }

    [Fact]
    public void BuildConfiguration_ConfigurationString_IsParsedThenOverridden()
    {
        var o = new RedisOnlineStoreOptions { Project = "p", Configuration = "cache:6379,ssl=true,password=fromstring,connectTimeout=9000" };
        o.OperationTimeout = TimeSpan.FromSeconds(1);

        var c = RedisOnlineStore.BuildConfiguration(o);

        var endpoint = c.EndPoints.Should().ContainSingle().Which.Should().BeOfType<System.Net.DnsEndPoint>().Which;
        (endpoint.Host, endpoint.Port).Should().Be(("cache", 6379));
        c.Ssl.Should().BeTrue();
        c.Password.Should().Be("fromstring");
        c.AsyncTimeout.Should().Be(1000);
        c.ConnectTimeout.Should().Be(5000, "ConnectTimeout's default overrides the string: the options are the source of truth");
    }

    [Fact]
    public void Constructor_InvalidOptions_ListsEveryProblem()
    {
        var o = new RedisOnlineStoreOptions { OperationTimeout = TimeSpan.Zero, EntityKeySerializationVersion = 1, KeyTtl = TimeSpan.Zero };

        var create = () => new RedisOnlineStore(o);

        create.Should().Throw<ArgumentException>()
            .WithMessage("*Project*").WithMessage("*no endpoint*").WithMessage("*timeouts must be positive*")
            .WithMessage("*version must be 2 or 3*").WithMessage("*KeyTtl*");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Exception_Message_NeverHoldsThePassword(bool inConfigurationString)
    {
        var o = new RedisOnlineStoreOptions { Project = "p" };
        if (inConfigurationString)
        {
            o.Configuration = "127.0.0.1:1,password=s3cret-pw";
        }
        else
        {
            o.Password = "s3cret-pw";
            o.Endpoints.Add("127.0.0.1:1");
        }

        o.OperationTimeout = TimeSpan.FromMilliseconds(200);
        o.ConnectTimeout = TimeSpan.FromMilliseconds(200);
        using var store = new RedisOnlineStore(o);

        var read = async () => await store.ReadAsync(RedisTestViews.Drivers(), [[1L]], ["conv_rate"]);

        (await read.Should().ThrowAsync<RedisOnlineStoreException>()).Which.ToString().Should().NotContain("s3cret-pw");
    }
}
