namespace MLOps.Registry.Tests;

public sealed class ChangeFeedTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly TestRegistry _t = new(TimeSpan.FromSeconds(1));
    private readonly CancellationTokenSource _stop = new();

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
        _t.Dispose();
    }

    [Fact]
    public async Task WatchAsync_ChangeThroughSameInstance_ArrivesWithoutWaitingForPoll()
    {
        await _t.AddVersionAsync("fraud");
        await _t.AddVersionAsync("fraud");
        await using var feed = _t.Registry.WatchAsync("fraud", cancellationToken: _stop.Token).GetAsyncEnumerator();
        var next = feed.MoveNextAsync().AsTask();

        await _t.Registry.SetAliasAsync("fraud", "champion", 2);

        (await next.WaitAsync(Bound)).Should().BeTrue();
        feed.Current.Target.Should().Be(AssignmentTarget.Alias("champion"));
        feed.Current.Version.Should().Be(2);
    }

    [Fact]
    public async Task WatchAsync_ChangeFromAnotherInstance_ArrivesOnlyAfterPollInterval()
    {
        await _t.AddVersionAsync("fraud");
        using var other = _t.OpenAnother();
        await using var feed = _t.Registry.WatchAsync(cancellationToken: _stop.Token).GetAsyncEnumerator();
        var next = feed.MoveNextAsync().AsTask();

        await other.SetAliasAsync("fraud", "champion", 1);
        next.IsCompleted.Should().BeFalse("the other instance cannot signal this one; the feed must poll");

        await AdvanceUntilAsync(next, TimeSpan.FromSeconds(1));
        (await next).Should().BeTrue();
        feed.Current.Version.Should().Be(1);
    }

    [Fact]
    public async Task WatchAsync_FromSequence_ReplaysHistoryInOrderThenFollows()
    {
        for (var i = 1; i <= 3; i++)
        {
            await _t.AddVersionAsync("fraud");
            await _t.Registry.SetAliasAsync("fraud", "champion", i);
        }

        var seen = new List<int?>();
        await using var feed = _t.Registry.WatchAsync("fraud", afterSequence: 0, _stop.Token).GetAsyncEnumerator();
        for (var i = 0; i < 3; i++)
        {
            (await feed.MoveNextAsync().AsTask().WaitAsync(Bound)).Should().BeTrue();
            seen.Add(feed.Current.Version);
        }

        var rollback = feed.MoveNextAsync().AsTask();
        await _t.Registry.RollbackAsync("fraud", AssignmentTarget.Alias("champion"));
        (await rollback.WaitAsync(Bound)).Should().BeTrue();

        seen.Should().Equal(1, 2, 3);
        feed.Current.Action.Should().Be(AssignmentAction.Rollback);
        feed.Current.Version.Should().Be(2);
    }

    [Fact]
    public async Task WatchAsync_OtherModelsChanges_AreFilteredOut()
    {
        await _t.AddVersionAsync("fraud");
        await _t.AddVersionAsync("churn");
        await using var feed = _t.Registry.WatchAsync("fraud", cancellationToken: _stop.Token).GetAsyncEnumerator();
        var next = feed.MoveNextAsync().AsTask();

        await _t.Registry.SetAliasAsync("churn", "champion", 1);
        await _t.Registry.SetAliasAsync("fraud", "champion", 1);

        (await next.WaitAsync(Bound)).Should().BeTrue();
        feed.Current.ModelName.Should().Be("fraud");
    }

    [Fact]
    public async Task WatchAsync_Cancelled_EndsWithOperationCanceled()
    {
        using var cancel = new CancellationTokenSource();
        await using var feed = _t.Registry.WatchAsync(cancellationToken: cancel.Token).GetAsyncEnumerator();
        var next = feed.MoveNextAsync().AsTask();

        await cancel.CancelAsync();

        await next.Invoking(t => t.WaitAsync(Bound)).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task WatchResolutionAsync_Alias_YieldsCurrentThenEachSwitchThenNullWhenRemoved()
    {
        await _t.AddVersionAsync("fraud");
        await _t.AddVersionAsync("fraud");
        await _t.Registry.SetAliasAsync("fraud", "champion", 1);
        await using var watch = _t.Registry.WatchResolutionAsync(ModelUri.Parse("models:/fraud@champion"), _stop.Token).GetAsyncEnumerator();

        (await watch.MoveNextAsync().AsTask().WaitAsync(Bound)).Should().BeTrue();
        watch.Current!.Version.Should().Be(1);

        var next = watch.MoveNextAsync().AsTask();
        await _t.Registry.SetAliasAsync("fraud", "challenger", 2);
        await _t.Registry.SetAliasAsync("fraud", "champion", 2);
        (await next.WaitAsync(Bound)).Should().BeTrue();
        watch.Current!.Version.Should().Be(2);

        next = watch.MoveNextAsync().AsTask();
        await _t.Registry.RollbackAsync("fraud", AssignmentTarget.Alias("champion"));
        (await next.WaitAsync(Bound)).Should().BeTrue();
        watch.Current!.Version.Should().Be(1);

        next = watch.MoveNextAsync().AsTask();
        await _t.Registry.DeleteAliasAsync("fraud", "champion");
        (await next.WaitAsync(Bound)).Should().BeTrue();
        watch.Current.Should().BeNull();
    }

    [Fact]
    public async Task WatchResolutionAsync_ProductionStage_FollowsTransitions()
    {
        await _t.AddVersionAsync("fraud");
        await _t.AddVersionAsync("fraud");
        await using var watch = _t.Registry.WatchResolutionAsync(ModelUri.Parse("models:/fraud/Production"), _stop.Token).GetAsyncEnumerator();
        (await watch.MoveNextAsync().AsTask().WaitAsync(Bound)).Should().BeTrue();
        watch.Current.Should().BeNull();

        var next = watch.MoveNextAsync().AsTask();
        await _t.Registry.TransitionStageAsync("fraud", 2, ModelStage.Production, archiveExistingVersions: true);

        (await next.WaitAsync(Bound)).Should().BeTrue();
        watch.Current!.Version.Should().Be(2);
    }

    [Fact]
    public void WatchResolutionAsync_Latest_IsRefusedWithAdvice()
    {
        var act = () => _t.Registry.WatchResolutionAsync(ModelUri.Parse("models:/fraud/latest"));

        act.Should().Throw<ArgumentException>().WithMessage("*Point an alias*");
    }

    /// <summary>Advances the fake clock one poll at a time until the task completes (bounded).</summary>
    private async Task AdvanceUntilAsync(Task task, TimeSpan step)
    {
        for (var i = 0; i < 2000 && !task.IsCompleted; i++)
        {
            _t.Time.Advance(step);
            await Task.WhenAny(task, Task.Delay(5));
        }

        task.IsCompleted.Should().BeTrue("the feed should have polled within the bound");
    }
}
