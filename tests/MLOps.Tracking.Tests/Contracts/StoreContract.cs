namespace MLOps.Tracking.Tests;

/// <summary>
/// The <see cref="ITrackingStore"/> behaviour contract (MLflow's semantics, mlflow.md §2, §4, §5): runs, params,
/// metrics and the latest-metric rule, tags, experiments, history paging, deletes. Run on SQLite by
/// <c>StoreTests</c> and on the MLflow backend by <c>MlflowStoreTests</c>.
/// </summary>
public abstract class StoreContract : TrackingContract
{
    [Fact]
    public async Task LatestMetric_HighestStepWins_ThenTimestamp_ThenValue()
    {
        var run = await NewRunAsync();
        // Hand-ordered: (step, timestamp, value); the expected latest of each key is the tuple maximum.
        await Store.LogBatchAsync(run, new Metric[]
        {
            new("a", 5.0, 100, 2), new("a", 9.0, 999, 1), new("a", 1.0, 50, 2),   // step 2 beats step 1; ts 100 > 50
            new("b", 1.0, 100, 3), new("b", 7.0, 100, 3), new("b", 3.0, 100, 3),   // full tie on (step, ts): max value 7
            new("c", 2.0, 100, 0), new("c", double.NaN, 100, 0),                   // NaN never beats a number on a tie
            new("d", double.NaN, 10, 0),
        });
        await Store.LogBatchAsync(run, new Metric[] { new("a", 0.5, 10, 2), new("b", 6.0, 100, 3), new("d", -1, 10, 0), new("e", double.PositiveInfinity, 1, -5) });

        var metrics = (await Store.GetRunAsync(run)).Metrics;

        metrics["a"].Should().Be(new Metric("a", 5.0, 100, 2));
        metrics["b"].Should().Be(new Metric("b", 7.0, 100, 3));
        metrics["c"].Should().Be(new Metric("c", 2.0, 100, 0));
        metrics["d"].Should().Be(new Metric("d", -1, 10, 0));
        metrics["e"].Value.Should().Be(double.PositiveInfinity);
        metrics["e"].Step.Should().Be(-5);
    }

    [Fact]
    public async Task MetricHistory_KeepsEveryPoint_DedupsIdentical_NaNRoundTrips_Pages()
    {
        var run = await NewRunAsync();
        await Store.LogBatchAsync(run, new Metric[] { new("m", 1, 1, 0), new("m", 1, 1, 0), new("m", double.NaN, 2, 1), new("m", double.NegativeInfinity, 3, 2), new("m", 4, 4, 3) });

        var all = await Store.GetMetricHistoryAsync(run, "m");
        all.Items.Select(m => m.Value).Should().Equal(1, double.NaN, double.NegativeInfinity, 4);
        all.NextPageToken.Should().BeNull();

        var first = await Store.GetMetricHistoryAsync(run, "m", maxResults: 3);
        var second = await Store.GetMetricHistoryAsync(run, "m", maxResults: 3, pageToken: first.NextPageToken);
        first.Items.Select(m => m.Step).Should().Equal(0, 1, 2);
        second.Items.Select(m => m.Step).Should().Equal(3);
        second.NextPageToken.Should().BeNull();
    }

    [Fact]
    public async Task LogBatch_ParamChanged_ThrowsAndWritesNothingOfTheBatch()
    {
        var run = await NewRunAsync();
        await Store.LogBatchAsync(run, ReadOnlyMemory<Metric>.Empty, [new Param("lr", "0.1")]);
        await Store.LogBatchAsync(run, ReadOnlyMemory<Metric>.Empty, [new Param("lr", "0.1")]); // same value: fine

        var ex = await FluentActions.Awaiting(() => Store.LogBatchAsync(run, new Metric[] { new("m", 1, 1, 0) }, [new Param("new", "x"), new Param("lr", "0.2")], [new RunTag("t", "v")]))
            .Should().ThrowAsync<InvalidTrackingValueException>();
        ex.Which.ErrorCode.Should().Be("INVALID_PARAMETER_VALUE");
        ex.Which.Message.Should().Contain("lr").And.Contain("0.1").And.Contain("0.2");
        if (Has(TrackingCapability.TypedParamConflict))
        {
            ex.Which.Should().BeOfType<ParamValueChangedException>();
            ex.Which.Message.Should().Contain("key='lr'").And.Contain("value='0.1'").And.Contain("'0.2'");
        }

        var stored = await Store.GetRunAsync(run);
        stored.Params.Should().Equal(new Dictionary<string, string> { ["lr"] = "0.1" });
        stored.Metrics.Should().BeEmpty();
        stored.Tags.Should().NotContainKey("t");
    }

    [Fact]
    public async Task LogBatch_InvalidItemAnywhere_WritesNothing()
    {
        var run = await NewRunAsync();
        await FluentActions.Awaiting(() => Store.LogBatchAsync(run, new Metric[] { new("ok", 1, 1, 0), new("bad//key", 1, 1, 0) }))
            .Should().ThrowAsync<InvalidTrackingValueException>();
        await FluentActions.Awaiting(() => Store.LogBatchAsync(run, ReadOnlyMemory<Metric>.Empty, [new Param("a", "1"), new Param("a", "1")]))
            .Should().ThrowAsync<InvalidTrackingValueException>().WithMessage("*Duplicate parameter keys*");
        if (Has(TrackingCapability.OneCallBatchLimit))
        {
            await FluentActions.Awaiting(() => Store.LogBatchAsync(run, new Metric[1001].Select((_, i) => new Metric("m", i, 1, i)).ToArray()))
                .Should().ThrowAsync<InvalidTrackingValueException>();
        }

        (await Store.GetMetricHistoryAsync(run, "ok")).Items.Should().BeEmpty();
        (await Store.GetRunAsync(run)).Params.Should().BeEmpty();
    }

    [Fact]
    public async Task Tags_LastWins_Delete_RunNameTagRenamesRun()
    {
        var run = await NewRunAsync();
        await Store.LogBatchAsync(run, ReadOnlyMemory<Metric>.Empty, tags: [new RunTag("t", "1"), new RunTag("t", "2"), new RunTag(MlflowTags.RunName, "renamed")]);
        var stored = await Store.GetRunAsync(run);
        stored.Tags["t"].Should().Be("2");
        stored.Info.RunName.Should().Be("renamed");

        await Store.DeleteTagAsync(run, "t");
        (await Store.GetRunAsync(run)).Tags.Should().NotContainKey("t");
        (await FluentActions.Awaiting(() => Store.DeleteTagAsync(run, "t")).Should().ThrowAsync<TrackingResourceNotFoundException>())
            .Which.ErrorCode.Should().Be("RESOURCE_DOES_NOT_EXIST");
    }

    [Fact]
    public async Task CreateRun_NameAndRunNameTagDiffer_Throws()
    {
        var ex = await FluentActions.Awaiting(() => Store.CreateRunAsync("0", "a", 0, [new RunTag(MlflowTags.RunName, "b")]))
            .Should().ThrowAsync<InvalidTrackingValueException>();
        ex.Which.ErrorCode.Should().Be("INVALID_PARAMETER_VALUE");
    }

    [Fact]
    public async Task Experiments_UniqueName_DeleteCascadesAndBlocksNewRuns_DefaultUndeletable()
    {
        var id = await Store.CreateExperimentAsync("e1", tags: [new RunTag("team", "fraud")]);
        (await FluentActions.Awaiting(() => Store.CreateExperimentAsync("e1")).Should().ThrowAsync<ExperimentAlreadyExistsException>())
            .Which.ErrorCode.Should().Be("RESOURCE_ALREADY_EXISTS");
        var run = await Store.CreateRunAsync(id, "r", 1);

        await Store.DeleteExperimentAsync(id);

        (await Store.GetExperimentAsync(id)).LifecycleStage.Should().Be(LifecycleStage.Deleted);
        (await Store.GetRunAsync(run.RunId)).Info.LifecycleStage.Should().Be(LifecycleStage.Deleted);
        (await FluentActions.Awaiting(() => Store.CreateRunAsync(id, "r2", 1)).Should().ThrowAsync<InvalidRunStateException>()).Which.ErrorCode.Should().Be("INVALID_STATE");
        await FluentActions.Awaiting(() => Store.CreateExperimentAsync("e1")).Should().ThrowAsync<ExperimentAlreadyExistsException>();
        await FluentActions.Awaiting(() => Store.LogBatchAsync(run.RunId, new Metric[] { new("m", 1, 1, 1) })).Should().ThrowAsync<InvalidRunStateException>();
        await FluentActions.Awaiting(() => Store.DeleteExperimentAsync("0")).Should().ThrowAsync<InvalidTrackingValueException>();

        await Store.RestoreExperimentAsync(id);
        (await Store.GetRunAsync(run.RunId)).Info.LifecycleStage.Should().Be(LifecycleStage.Active);
        (await Store.GetExperimentByNameAsync("e1"))!.Tags["team"].Should().Be("fraud");
        (await Store.GetExperimentAsync("0")).Name.Should().Be("Default");
    }

    [Fact]
    public async Task Get_Missing_ThrowsResourceDoesNotExist()
    {
        (await FluentActions.Awaiting(() => Store.GetRunAsync("0123456789abcdef0123456789abcdef")).Should().ThrowAsync<TrackingResourceNotFoundException>())
            .Which.ErrorCode.Should().Be("RESOURCE_DOES_NOT_EXIST");
        await FluentActions.Awaiting(() => Store.GetExperimentAsync("42")).Should().ThrowAsync<TrackingResourceNotFoundException>();
        (await Store.GetExperimentByNameAsync("nope")).Should().BeNull();
    }

    [Fact]
    public async Task SearchExperiments_FilterOrderPage()
    {
        foreach (var name in new[] { "fraud-a", "fraud-b", "churn" })
        {
            await Store.CreateExperimentAsync(name, tags: [new RunTag("team", name.StartsWith("fraud", StringComparison.Ordinal) ? "risk" : "growth")]);
            Time.Advance(TimeSpan.FromSeconds(1));
        }

        var page = await Store.SearchExperimentsAsync(new ExperimentSearch { Filter = "name LIKE 'fraud%' and tags.team = 'risk'", OrderBy = ["name DESC"], MaxResults = 1 });
        page.Items.Select(e => e.Name).Should().Equal("fraud-b");
        var next = await Store.SearchExperimentsAsync(new ExperimentSearch { Filter = "name LIKE 'fraud%' and tags.team = 'risk'", OrderBy = ["name DESC"], MaxResults = 1, PageToken = page.NextPageToken });
        next.Items.Select(e => e.Name).Should().Equal("fraud-a");
        next.NextPageToken.Should().BeNull();
        (await Store.SearchExperimentsAsync(new ExperimentSearch())).Items.Select(e => e.Name).Should().Equal("churn", "fraud-b", "Default", "fraud-a"); // Default and fraud-a share a creation time: experiment_id ASC breaks the tie
    }

    [Fact]
    public async Task CreateExperiment_ThenByName_SameIdAndDuplicateRejected()
    {
        var id = await Store.CreateExperimentAsync("e1", tags: [new RunTag("k", "v")]);

        var byName = await Store.GetExperimentByNameAsync("e1");
        var dup = () => Store.CreateExperimentAsync("e1");

        byName!.ExperimentId.Should().Be(id);
        byName.Tags.Should().Contain("k", "v");
        byName.LifecycleStage.Should().Be(LifecycleStage.Active);
        (await Store.GetExperimentByNameAsync("absent")).Should().BeNull();
        await dup.Should().ThrowAsync<ExperimentAlreadyExistsException>();
    }

    [Fact]
    public async Task LogBatch_ThenGetRun_LatestMetricByStepTimestampValueParamsTags()
    {
        var run = await ContractRunAsync();
        await Store.LogBatchAsync(run, new Metric[] { new("loss", 0.9, 100, 1), new("loss", 0.5, 50, 3), new("loss", 0.7, 200, 2) }, [new Param("lr", "0.1")], [new RunTag("stage", "dev")]);

        var got = await Store.GetRunAsync(run);

        got.Metrics["loss"].Should().Be(new Metric("loss", 0.5, 50, 3), "the highest step wins, not the latest timestamp");
        got.Params.Should().Contain("lr", "0.1");
        got.Tags.Should().Contain("stage", "dev").And.ContainKey("mlflow.runName");
        got.Info.Status.Should().Be(RunStatus.Running);
    }

    [Fact]
    public async Task LogBatch_ChangedParam_Rejected_SameValueIdempotent()
    {
        var run = await ContractRunAsync();
        await Store.LogBatchAsync(run, ReadOnlyMemory<Metric>.Empty, [new Param("p", "1")]);
        await Store.LogBatchAsync(run, ReadOnlyMemory<Metric>.Empty, [new Param("p", "1")]);

        var act = () => Store.LogBatchAsync(run, ReadOnlyMemory<Metric>.Empty, [new Param("p", "2")]);

        await act.Should().ThrowAsync<InvalidTrackingValueException>();
    }

    [Fact]
    public async Task GetMetricHistory_OrderedByStepWithNaN_AllPoints()
    {
        var run = await ContractRunAsync();
        await Store.LogBatchAsync(run, new Metric[] { new("m", 3, 30, 2), new("m", double.NaN, 10, 0), new("m", 2, 20, 1) });

        var history = await Store.GetMetricHistoryAsync(run, "m");

        history.Items.Select(p => p.Step).Should().Equal(0, 1, 2);
        double.IsNaN(history.Items[0].Value).Should().BeTrue();
        history.NextPageToken.Should().BeNull();
    }

    [Fact]
    public async Task SearchRuns_FilterOrderAndPages_AsMlflow()
    {
        string[] runs = [await ContractRunAsync(start: 1), await ContractRunAsync(start: 2), await ContractRunAsync(start: 3), await ContractRunAsync(start: 4)];
        double[] acc = [0.2, 0.9, 0.6, 0.8];
        for (var i = 0; i < runs.Length; i++)
        {
            await Store.LogBatchAsync(runs[i], new Metric[] { new("acc", acc[i], 1, 0) });
        }

        var exp = (await Store.GetExperimentByNameAsync("contract"))!.ExperimentId;
        var found = new List<string>();
        string? token = null;
        do
        {
            var page = await Store.SearchRunsAsync(new RunSearch { ExperimentIds = [exp], Filter = "metrics.acc > 0.5", OrderBy = ["metrics.acc DESC"], MaxResults = 2, PageToken = token });
            found.AddRange(page.Items.Select(r => r.Info.RunId));
            token = page.NextPageToken;
        }
        while (token is not null);

        found.Should().Equal(runs[1], runs[3], runs[2]);
    }

    [Fact]
    public async Task DeleteRun_HiddenFromActiveSearch_StillGettable_Restorable()
    {
        var run = await ContractRunAsync();
        var exp = (await Store.GetExperimentByNameAsync("contract"))!.ExperimentId;

        await Store.DeleteRunAsync(run);

        (await Store.GetRunAsync(run)).Info.LifecycleStage.Should().Be(LifecycleStage.Deleted);
        (await Store.SearchRunsAsync(new RunSearch { ExperimentIds = [exp] })).Items.Should().BeEmpty();
        (await Store.SearchRunsAsync(new RunSearch { ExperimentIds = [exp], ViewType = ViewType.DeletedOnly })).Items.Should().ContainSingle();
        await Store.RestoreRunAsync(run);
        (await Store.GetRunAsync(run)).Info.LifecycleStage.Should().Be(LifecycleStage.Active);
    }

    [Fact]
    public async Task UpdateRun_Finished_StatusAndEndTime()
    {
        var run = await ContractRunAsync();

        var info = await Store.UpdateRunAsync(run, new RunUpdate(RunStatus.Finished, 5000));

        info.Status.Should().Be(RunStatus.Finished);
        info.EndTime.Should().Be(5000);
        (await Store.GetRunAsync(run)).Info.EndTime.Should().Be(5000);
    }

    [Fact]
    public async Task Missing_RunOrTag_TrackingResourceNotFound()
    {
        var run = await ContractRunAsync();

        var noRun = () => Store.GetRunAsync("0123456789abcdef0123456789abcdef");
        var noTag = () => Store.DeleteTagAsync(run, "absent");

        await noRun.Should().ThrowAsync<TrackingResourceNotFoundException>();
        await noTag.Should().ThrowAsync<TrackingResourceNotFoundException>();
    }

    [Fact]
    public async Task LogInputs_DatasetWithContext_OnRun()
    {
        var run = await ContractRunAsync();
        var input = new DatasetInput { Name = "train", Digest = "abc123", SourceType = "local", Source = "{\"uri\":\"/d\"}", Tags = new Dictionary<string, string> { [MlflowTags.DatasetContext] = "training" } };

        await Store.LogInputsAsync(run, [input]);

        var got = (await Store.GetRunAsync(run)).Inputs.Should().ContainSingle().Which;
        got.Name.Should().Be("train");
        got.Context.Should().Be("training");
    }

    [Fact]
    public async Task LogBatch_ValidationLimits_AtLimitAccepted_OnePastRejected_NothingWritten()
    {
        // mlflow/utils/validation.py: keys up to 250 characters, param values up to 6000, tag values up to 8000,
        // timestamps non-negative; experiment names up to 500 and not blank.
        var run = await NewRunAsync();
        await Store.LogBatchAsync(run, new Metric[] { new(new string('m', 250), 1, 0, 0) }, [new Param(new string('p', 250), new string('v', 6000))], [new RunTag("t", new string('v', 8000))]);

        await FluentActions.Awaiting(() => Store.LogBatchAsync(run, new Metric[] { new(new string('m', 251), 1, 0, 0) })).Should().ThrowAsync<InvalidTrackingValueException>();
        await FluentActions.Awaiting(() => Store.LogBatchAsync(run, ReadOnlyMemory<Metric>.Empty, [new Param("p2", new string('v', 6001))])).Should().ThrowAsync<InvalidTrackingValueException>();
        await FluentActions.Awaiting(() => Store.LogBatchAsync(run, ReadOnlyMemory<Metric>.Empty, tags: [new RunTag("t2", new string('v', 8001))])).Should().ThrowAsync<InvalidTrackingValueException>();
        await FluentActions.Awaiting(() => Store.LogBatchAsync(run, new Metric[] { new("late", 1, -1, 0) })).Should().ThrowAsync<InvalidTrackingValueException>();
        (await Store.CreateExperimentAsync(new string('e', 500))).Should().NotBeNullOrEmpty();
        await FluentActions.Awaiting(() => Store.CreateExperimentAsync(new string('e', 501))).Should().ThrowAsync<InvalidTrackingValueException>();
        await FluentActions.Awaiting(() => Store.CreateExperimentAsync(" ")).Should().ThrowAsync<InvalidTrackingValueException>();

        var stored = await Store.GetRunAsync(run);
        stored.Metrics.Keys.Should().Equal(new string('m', 250));
        stored.Params.Keys.Should().Equal(new string('p', 250));
        stored.Tags.Should().NotContainKeys("t2");
        (await Store.GetMetricHistoryAsync(run, "late")).Items.Should().BeEmpty();
    }

    private async Task<string> ContractRunAsync(long start = 1000)
    {
        var exp = (await Store.GetExperimentByNameAsync("contract"))?.ExperimentId ?? await Store.CreateExperimentAsync("contract");
        return (await Store.CreateRunAsync(exp, null, start)).RunId;
    }
}
