using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MLOps.Features.Feast;
using MLOps.Features.Online;

namespace MLOps.Features.Tests;

public sealed class FeastClientTests
{
    // The response form of feast.md §5 (columnar, join key first, columns not in request order).
    private const string OnlineResponse = """
        {"metadata": {"feature_names": ["driver_id", "acc_rate", "conv_rate"]},
         "results": [
           {"values": [1001, 1002], "statuses": ["PRESENT", "PRESENT"], "event_timestamps": ["1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"]},
           {"values": [0.8724, null], "statuses": ["PRESENT", "NOT_FOUND"], "event_timestamps": ["2021-12-31T23:00:00Z", "1970-01-01T00:00:00Z"]},
           {"values": [0.7037, null], "statuses": ["OUTSIDE_MAX_AGE", "NULL_VALUE"], "event_timestamps": ["2021-12-31T23:00:00.25Z", "1970-01-01T00:00:00Z"]}
         ]}
        """;

    private static FeastFeatureServerClient Client(Uri address, int retries = 3)
    {
        var services = new ServiceCollection();
        services.AddMLOps().AddFeastFeatureServerClient(o =>
        {
            o.BaseAddress = address;
            o.MaxRetryAttempts = retries;
            o.RetryDelay = TimeSpan.FromMilliseconds(1);
        });
        return services.BuildServiceProvider().GetRequiredService<FeastFeatureServerClient>();
    }

    [Fact]
    public async Task GetOnlineFeaturesAsync_DocumentedForms_SendsColumnarEntitiesAndParsesColumns()
    {
        await using var server = new FakeFeastServer(static (_, _) => (200, OnlineResponse));
        var client = Client(server.BaseAddress);

        var response = await client.GetOnlineFeaturesAsync(new OnlineFeaturesRequest
        {
            Features = ["driver_hourly_stats:conv_rate", "driver_hourly_stats:acc_rate"],
            Entities = new Dictionary<string, IReadOnlyList<object?>> { ["driver_id"] = [1001L, 1002L], ["val_to_add"] = [1, 2] },
        }, TestContext.Current.CancellationToken);

        server.Requests.Should().ContainSingle();
        server.Requests.TryPeek(out var sent).Should().BeTrue();
        sent.Path.Should().Be("/get-online-features");
        using var json = JsonDocument.Parse(sent.Body);
        json.RootElement.GetProperty("features").EnumerateArray().Select(static e => e.GetString()).Should().Equal("driver_hourly_stats:conv_rate", "driver_hourly_stats:acc_rate");
        json.RootElement.GetProperty("entities").GetProperty("driver_id").EnumerateArray().Select(static e => e.GetInt64()).Should().Equal(1001, 1002);
        json.RootElement.GetProperty("entities").GetProperty("val_to_add").GetArrayLength().Should().Be(2);
        json.RootElement.GetProperty("full_feature_names").GetBoolean().Should().BeFalse();
        json.RootElement.TryGetProperty("feature_service", out _).Should().BeFalse();

        var conv = response.Column("conv_rate");
        conv.Values.Should().Equal(0.7037, null);
        conv.Statuses.Should().Equal(FeatureStatus.OutsideMaxAge, FeatureStatus.NullValue);
        conv.EventTimestamps[0].Should().Be(new DateTimeOffset(2021, 12, 31, 23, 0, 0, 250, TimeSpan.Zero));
        response.Column("acc_rate").Statuses.Should().Equal(FeatureStatus.Present, FeatureStatus.NotFound);
        response.Column("driver_id").Values.Should().Equal(1001L, 1002L);
    }

    [Fact]
    public async Task GetOnlineFeaturesAsync_FeatureService_SendsServiceNameAndFullNames()
    {
        await using var server = new FakeFeastServer(static (_, _) => (200, OnlineResponse));
        var client = Client(server.BaseAddress);

        await client.GetOnlineFeaturesAsync(new OnlineFeaturesRequest
        {
            FeatureService = "driver_activity_v1",
            FullFeatureNames = true,
            Entities = new Dictionary<string, IReadOnlyList<object?>> { ["driver_id"] = [1001L] },
        }, TestContext.Current.CancellationToken);

        server.Requests.TryPeek(out var sent).Should().BeTrue();
        using var json = JsonDocument.Parse(sent.Body);
        json.RootElement.GetProperty("feature_service").GetString().Should().Be("driver_activity_v1");
        json.RootElement.GetProperty("full_feature_names").GetBoolean().Should().BeTrue();
        json.RootElement.TryGetProperty("features", out _).Should().BeFalse();
    }

    [Fact]
    public async Task GetOnlineFeaturesAsync_TwoServerErrorsThenSuccess_RetriesAndSucceeds()
    {
        var calls = 0;
        await using var server = new FakeFeastServer((_, _) => Interlocked.Increment(ref calls) <= 2 ? (503, "{\"detail\":\"overloaded\"}") : (200, OnlineResponse));
        var client = Client(server.BaseAddress);

        var response = await client.GetOnlineFeaturesAsync(new OnlineFeaturesRequest
        {
            Features = ["driver_hourly_stats:conv_rate"],
            Entities = new Dictionary<string, IReadOnlyList<object?>> { ["driver_id"] = [1001L, 1002L] },
        }, TestContext.Current.CancellationToken);

        calls.Should().Be(3);
        response.Column("conv_rate").Values[0].Should().Be(0.7037);
    }

    [Fact]
    public async Task GetOnlineFeaturesAsync_BadRequest_ThrowsNonTransientWithoutRetry()
    {
        var calls = 0;
        await using var server = new FakeFeastServer((_, _) =>
        {
            Interlocked.Increment(ref calls);
            return (422, "{\"detail\":\"Feature view driver_hourly_stat does not exist\"}");
        });
        var client = Client(server.BaseAddress);

        var act = async () => await client.GetOnlineFeaturesAsync(new OnlineFeaturesRequest
        {
            Features = ["driver_hourly_stat:conv_rate"],
            Entities = new Dictionary<string, IReadOnlyList<object?>> { ["driver_id"] = [1L] },
        }, TestContext.Current.CancellationToken);

        var ex = (await act.Should().ThrowAsync<FeastServerException>()).Which;
        ex.StatusCode.Should().Be((HttpStatusCode)422);
        ex.IsTransient.Should().BeFalse();
        ex.Message.Should().Contain("does not exist");
        calls.Should().Be(1);
    }

    [Fact]
    public async Task GetOnlineFeaturesAsync_ServerKeepsFailing_ThrowsTransientAfterRetries()
    {
        var calls = 0;
        await using var server = new FakeFeastServer((_, _) =>
        {
            Interlocked.Increment(ref calls);
            return (500, "Internal Server Error");
        });
        var client = Client(server.BaseAddress, retries: 2);

        var act = async () => await client.GetOnlineFeaturesAsync(new OnlineFeaturesRequest
        {
            Features = ["v:f"],
            Entities = new Dictionary<string, IReadOnlyList<object?>> { ["driver_id"] = [1L] },
        }, TestContext.Current.CancellationToken);

        (await act.Should().ThrowAsync<FeastServerException>()).Which.IsTransient.Should().BeTrue();
        calls.Should().Be(3, "one attempt and two retries");
    }

    [Fact]
    public async Task PushAsync_Rows_SendsDocumentedBodyAndAccepts202()
    {
        await using var server = new FakeFeastServer(static (_, _) => (202, string.Empty));
        var client = Client(server.BaseAddress);

        await client.PushAsync("driver_stats_push_source", new Dictionary<string, IReadOnlyList<object?>>
        {
            ["driver_id"] = [1001L],
            ["event_timestamp"] = [new DateTimeOffset(2022, 5, 13, 10, 59, 42, TimeSpan.Zero)],
            ["conv_rate"] = [1.0],
            ["avg_daily_trips"] = [1000L],
        }, PushTarget.OnlineAndOffline, TestContext.Current.CancellationToken);

        server.Requests.TryPeek(out var sent).Should().BeTrue();
        sent.Path.Should().Be("/push");
        using var json = JsonDocument.Parse(sent.Body);
        json.RootElement.GetProperty("push_source_name").GetString().Should().Be("driver_stats_push_source");
        json.RootElement.GetProperty("to").GetString().Should().Be("online_and_offline");
        json.RootElement.GetProperty("df").GetProperty("event_timestamp")[0].GetString().Should().Be("2022-05-13T10:59:42Z");
        json.RootElement.GetProperty("df").GetProperty("avg_daily_trips")[0].GetInt64().Should().Be(1000);
    }
}
