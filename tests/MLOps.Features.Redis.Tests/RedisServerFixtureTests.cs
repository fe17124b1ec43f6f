using System.Net;
using System.Net.Sockets;
using MLOps.TestKit;

namespace MLOps.Features.Redis.Tests;

public sealed class RedisServerFixtureTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task Fixture_RealServer_AnswersOnItsOwnLoopbackPort()
    {
        redis.SkipIfUnavailable();

        var info = await redis.SendAsync("INFO server");

        info.Should().Contain($"tcp_port:{redis.Port}\r\n");
        redis.Version.Should().MatchRegex(@"^\d+\.\d+\.\d+$");
        (await redis.SendAsync("SET fixture:key hello")).Should().Be("+OK\r\n");
        (await redis.SendAsync("GET fixture:key")).Should().Be("$5\r\nhello\r\n");
    }

    [Fact]
    public async Task Fixture_StartAndDispose_ServerStopsAndPortIsRefused()
    {
        var own = new RedisServerFixture();
        await own.InitializeAsync();
        own.SkipIfUnavailable();
        var port = own.Port;
        (await own.SendAsync("PING")).Should().Be("+PONG\r\n");

        await own.DisposeAsync();

        using var client = new TcpClient();
        var connect = async () => await client.ConnectAsync(IPAddress.Loopback, port);
        await connect.Should().ThrowAsync<SocketException>();
    }

    [Fact]
    public async Task Fixture_StopThenRestart_SamePortRefusedThenAnswers()
    {
        var own = new RedisServerFixture();
        await own.InitializeAsync();
        try
        {
            own.SkipIfUnavailable();
            var port = own.Port;

            await own.StopAsync();
            using (var client = new TcpClient())
            {
                var connect = async () => await client.ConnectAsync(IPAddress.Loopback, port);
                await connect.Should().ThrowAsync<SocketException>();
            }

            await own.RestartAsync();

            own.Port.Should().Be(port);
            (await own.SendAsync("PING")).Should().Be("+PONG\r\n");
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    [Fact]
    public async Task Fixture_MissingBinary_SkipReasonNamesBinaryAndFix()
    {
        var missing = RedisServerFixture.ForBinary("/nonexistent/bin/redis-server");
        await missing.InitializeAsync();

        missing.IsAvailable.Should().BeFalse();
        missing.SkipReason.Should().StartWith("SKIPPED: redis-server not found")
            .And.Contain("/nonexistent/bin/redis-server")
            .And.Contain("apt-get install -y redis-server")
            .And.Contain(RedisServerFixture.BinaryVariable);
        await missing.DisposeAsync();
    }
}
