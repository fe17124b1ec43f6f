namespace MLOps.Tracking.Tests;

/// <summary>
/// The MLflow filter DSL against a fixture of five active runs and one deleted run. Every expected set is written
/// by hand from the fixture table below, not computed by the code under test. Shared contract: run on SQLite by
/// <c>FilterTests</c> and on the MLflow backend by <c>MlflowFilterTests</c>.
/// </summary>
/// <remarks>
/// | run | start | status   | params                  | latest metrics                 | tags                              | datasets                  |
/// |-----|-------|----------|-------------------------|--------------------------------|-----------------------------------|---------------------------|
/// | r1  | 1000  | FINISHED | lr=3e-4, model=xgb      | val_f1=0.91, loss=0.2          | team=fraud, user-name=Tomas       | train/abc123 (training)   |
/// | r2  | 2000  | FINISHED | lr=1e-3, model=xgb      | val_f1=0.75                    | team=Fraud-ops                    |                           |
/// | r3  | 3000  | FAILED   | lr=3e-4, model=lgbm     | val_f1=0.85, loss=NaN          | team=growth                       |                           |
/// | r4  | 4000  | RUNNING  | lr=0.01                 |                                |                                   | holdout/def456 (validation)|
/// | r5  | 5000  | KILLED   | model=it's              | val_f1=0.95, "f1 score"=0.5    | team=fr_x                         |                           |
/// | r6  | 6000  | deleted  | lr=3e-4                 | val_f1=0.99                    | team=fraud                        |                           |
/// </remarks>
public abstract class FilterContract : TrackingContract
{
    private readonly Dictionary<string, string> _ids = new();
    private string _experiment = null!;

    public static TheoryData<string, string[]> ValidQueries() => new()
    {
        { "", ["r1", "r2", "r3", "r4", "r5"] },
        { "   ", ["r1", "r2", "r3", "r4", "r5"] },
        { "metrics.val_f1 > 0.8", ["r1", "r3", "r5"] },
        { "metrics.val_f1 >= 0.85", ["r1", "r3", "r5"] },
        { "metrics.val_f1 < 0.8", ["r2"] },
        { "metrics.val_f1 <= 0.75", ["r2"] },
        { "metrics.val_f1 = 0.91", ["r1"] },
        { "metrics.val_f1 != 0.91", ["r2", "r3", "r5"] },
        { "metrics.loss < 1", ["r1"] },
        { "metrics.loss != 0", ["r1"] },
        { "metrics.val_f1 > -1e3", ["r1", "r2", "r3", "r5"] },
        { "metrics.val_f1 > .9", ["r1", "r5"] },
        { "params.lr = '3e-4'", ["r1", "r3"] },
        { "params.lr = \"3e-4\"", ["r1", "r3"] },
        { "params.lr != '3e-4'", ["r2", "r4"] },
        { "metrics.val_f1 > 0.8 and params.lr = '3e-4'", ["r1", "r3"] },
        { "tags.team LIKE 'fr%'", ["r1", "r5"] },
        { "tags.team ILIKE 'fr%'", ["r1", "r2", "r5"] },
        { "tags.team LIKE 'fr_ud'", ["r1"] },
        { "tags.team LIKE '%o%'", ["r2", "r3"] },
        { "tags.\"user-name\" = 'Tomas'", ["r1"] },
        { "tags.`user-name` = 'Tomas'", ["r1"] },
        { "attributes.status = 'FINISHED'", ["r1", "r2"] },
        { "status != 'FINISHED'", ["r3", "r4", "r5"] },
        { "attributes.status = 'FINISHED' and metrics.val_f1 > 0.8", ["r1"] },
        { "run_name = 'r3'", ["r3"] },
        { "attributes.run_name LIKE 'r%'", ["r1", "r2", "r3", "r4", "r5"] },
        { "attributes.\"run name\" ILIKE 'R1'", ["r1"] },
        { "params.model = 'it''s'", ["r5"] },
        { "metrics.`f1 score` >= 0.5", ["r5"] },
        { "METRICS.val_f1 > 0.9 AND PARAMS.model = 'xgb'", ["r1"] },
        { "metric.val_f1 > 0.9", ["r1", "r5"] },
        { "parameters.model LIKE '%gb%'", ["r1", "r2", "r3"] },
        { "params.missing = 'x'", [] },
        { "params.missing != 'x'", [] },
        { "datasets.name = 'train'", ["r1"] },
        { "datasets.context = 'validation'", ["r4"] },
        { "datasets.digest IN ('abc123', 'zzz')", ["r1"] },
        { "attributes.start_time >= 3000", ["r3", "r4", "r5"] },
        { "created < 2000", ["r1"] },
        { "end_time > 0", ["r1", "r2", "r3", "r5"] },
        { "attributes.artifact_uri LIKE 'experiments/%'", ["r1", "r2", "r3", "r4", "r5"] },
        // Hostile input: each is one quoted value or key, bound as a parameter, so it matches nothing and changes nothing.
        { "params.lr = '3e-4'' OR ''1''=''1'", [] },
        { "tags.team = 'x'' UNION SELECT key, value FROM params --'", [] },
        { "tags.\"team' OR 1=1 --\" = 'x'", [] },
        { "tags.team LIKE '%'' OR ''a''=''a'", [] },
        { "params.lr = '); DROP TABLE runs; --'", [] },
        { "tags.team LIKE '[a-z]*'", [] },
    };

    public static TheoryData<string, int, string> InvalidQueries() => new()
    {
        { "metrics.val_f1 > 'abc'", 17, "expected a numeric value" },
        { "params.lr = 3e-4", 12, "quote it" },
        { "params.lr > '1'", 10, "invalid comparator '>'" },
        { "metrics.val_f1 LIKE '0.9%'", 15, "invalid comparator 'LIKE'" },
        { "foo.bar = 'x'", 0, "invalid entity type 'foo'" },
        { "attributes.nope = 'x'", 11, "invalid attribute key 'nope'" },
        { "metrics.a > 1 or metrics.b > 2", 14, "OR is not supported" },
        { "params.lr = 'abc", 12, "not closed" },
        { "params.lr = abc", 12, "is not quoted" },
        { "metrics.a > 1 and", 17, "after AND" },
        { "params.lr == '1'", 10, "'=='" },
        { "run_id IN 'a'", 10, "parenthesised list" },
        { "status IN ('FINISHED')", 7, "invalid comparator 'IN'" },
        { "start_time > 1.5", 13, "integer" },
        { "params.lr = '1'; DROP TABLE runs; --", 15, "unexpected character ';'" },
        { "datasets.foo = 'x'", 9, "invalid dataset key" },
        { "run_id IN ('a', 'b'", 19, "not closed" },
        { "metrics.a >", 11, "expected a value" },
        { "tags.team <> 'x'", 10, "'<>'" },
    };

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        _experiment = await Store.CreateExperimentAsync("search");
        await AddRunAsync("r1", 1000, RunStatus.Finished, [new("lr", "3e-4"), new("model", "xgb")], [new("val_f1", 0.91, 1, 0), new("loss", 0.2, 1, 0)], [new("team", "fraud"), new("user-name", "Tomas")], ("train", "abc123", "training"));
        await AddRunAsync("r2", 2000, RunStatus.Finished, [new("lr", "1e-3"), new("model", "xgb")], [new("val_f1", 0.75, 1, 0)], [new("team", "Fraud-ops")]);
        await AddRunAsync("r3", 3000, RunStatus.Failed, [new("lr", "3e-4"), new("model", "lgbm")], [new("val_f1", 0.85, 1, 0), new("loss", double.NaN, 1, 0)], [new("team", "growth")]);
        await AddRunAsync("r4", 4000, RunStatus.Running, [new("lr", "0.01")], [], [], ("holdout", "def456", "validation"));
        await AddRunAsync("r5", 5000, RunStatus.Killed, [new("model", "it's")], [new("val_f1", 0.95, 1, 0), new("f1 score", 0.5, 1, 0)], [new("team", "fr_x")]);
        await AddRunAsync("r6", 6000, RunStatus.Finished, [new("lr", "3e-4")], [new("val_f1", 0.99, 1, 0)], [new("team", "fraud")]);
        await Store.DeleteRunAsync(_ids["r6"]);
    }

    [Theory]
    [MemberData(nameof(ValidQueries), MemberType = typeof(FilterContract))]
    public async Task SearchRuns_ValidFilter_ReturnsHandWrittenSet(string filter, string[] expected)
    {
        if (filter.Contains("artifact_uri", StringComparison.Ordinal))
        {
            Require(TrackingCapability.EmbeddedArtifactUris);
        }

        var before = await SnapshotAsync();

        var names = await SearchAsync(filter);

        names.Should().BeEquivalentTo(expected);
        (await SnapshotAsync()).Should().Be(before, "a search never alters data");
    }

    [Theory]
    [MemberData(nameof(InvalidQueries), MemberType = typeof(FilterContract))]
    public async Task SearchRuns_InvalidFilter_ThrowsWithPosition(string filter, int position, string reason)
    {
        var before = await SnapshotAsync();

        var error = (await FluentActions.Awaiting(() => SearchAsync(filter)).Should().ThrowAsync<InvalidTrackingValueException>()).Which;

        error.ErrorCode.Should().Be("INVALID_PARAMETER_VALUE");
        if (Has(TrackingCapability.FilterErrorPositions))
        {
            var ex = error.Should().BeOfType<FilterSyntaxException>().Which;
            ex.Position.Should().Be(position);
            ex.Reason.Should().Contain(reason);
            ex.Message.Should().Contain($"position {position}");
        }

        (await SnapshotAsync()).Should().Be(before);
    }

    [Fact]
    public async Task SearchRuns_RunIdIn_MatchesListedIdsOnly()
    {
        (await SearchAsync($"run_id IN ('{_ids["r1"]}', '{_ids["r3"]}', '{_ids["r6"]}')")).Should().BeEquivalentTo("r1", "r3");
        (await SearchAsync($"attributes.run_id NOT IN ('{_ids["r1"]}')")).Should().BeEquivalentTo("r2", "r3", "r4", "r5");
        (await SearchAsync($"run_id = '{_ids["r2"]}'")).Should().BeEquivalentTo("r2");
    }

    [Fact]
    public async Task SearchRuns_ViewTypes_SelectLifecycle()
    {
        (await SearchAsync("metrics.val_f1 > 0.98", ViewType.All)).Should().BeEquivalentTo("r6");
        (await SearchAsync("", ViewType.DeletedOnly)).Should().BeEquivalentTo("r6");
    }

    [Theory]
    [InlineData(null, new[] { "r5", "r4", "r3", "r2", "r1" })]
    [InlineData("metrics.val_f1 DESC", new[] { "r5", "r1", "r3", "r2", "r4" })]
    [InlineData("metrics.val_f1 ASC", new[] { "r2", "r3", "r1", "r5", "r4" })]
    [InlineData("metrics.loss", new[] { "r1", "r3", "r5", "r4", "r2" })]
    [InlineData("metrics.loss DESC", new[] { "r1", "r3", "r5", "r4", "r2" })]
    [InlineData("params.lr ASC", new[] { "r4", "r2", "r3", "r1", "r5" })]
    [InlineData("attributes.start_time ASC", new[] { "r1", "r2", "r3", "r4", "r5" })]
    [InlineData("tags.team DESC", new[] { "r3", "r1", "r5", "r2", "r4" })] // growth > fraud > fr_x ('_' < 'a') > Fraud-ops (upper case first)
    [InlineData("`metrics`.`f1 score` DESC", new[] { "r5", "r4", "r3", "r2", "r1" })]
    public async Task SearchRuns_OrderBy_MissingValuesLast(string? orderBy, string[] expected)
    {
        var page = await Store.SearchRunsAsync(new RunSearch { ExperimentIds = [_experiment], OrderBy = orderBy is null ? null : [orderBy] });
        page.Items.Select(r => r.Info.RunName).Should().Equal(expected);
    }

    [Fact]
    public async Task SearchRuns_Paging_WalksEveryRunOnce()
    {
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await Store.SearchRunsAsync(new RunSearch { ExperimentIds = [_experiment], MaxResults = 2, PageToken = token });
            seen.AddRange(page.Items.Select(r => r.Info.RunName));
            token = page.NextPageToken;
            pages++;
        }
        while (token is not null);

        pages.Should().Be(3);
        seen.Should().Equal("r5", "r4", "r3", "r2", "r1");
    }

    [Theory]
    [InlineData("not-base64!")]
    [InlineData("eyJvZmZzZXQiOi0xfQ==")] // {"offset":-1}
    public async Task SearchRuns_BadPageToken_Throws(string token)
    {
        if (token.StartsWith("eyJ", StringComparison.Ordinal))
        {
            Require(TrackingCapability.NegativePageOffsetRejected);
        }

        await FluentActions.Awaiting(() => Store.SearchRunsAsync(new RunSearch { ExperimentIds = [_experiment], PageToken = token }))
            .Should().ThrowAsync<InvalidTrackingValueException>().WithMessage("*page token*");
    }

    [Theory]
    [InlineData("metrics.f1 DESC extra", 16)]
    [InlineData("datasets.name", 0)]
    [InlineData("", 0)]
    public async Task SearchRuns_InvalidOrderBy_ThrowsWithPosition(string orderBy, int position)
    {
        var ex = await FluentActions.Awaiting(() => Store.SearchRunsAsync(new RunSearch { ExperimentIds = [_experiment], OrderBy = [orderBy] }))
            .Should().ThrowAsync<InvalidTrackingValueException>();
        ex.Which.ErrorCode.Should().Be("INVALID_PARAMETER_VALUE");
        if (Has(TrackingCapability.FilterErrorPositions))
        {
            ex.Which.Should().BeOfType<FilterSyntaxException>().Which.Position.Should().Be(position);
        }
    }

    [Fact]
    public async Task SearchRuns_ReturnsRunData()
    {
        var r1 = (await Store.SearchRunsAsync(new RunSearch { ExperimentIds = [_experiment], Filter = "run_name = 'r1'" })).Items.Single();
        r1.Params.Should().Equal(new Dictionary<string, string> { ["lr"] = "3e-4", ["model"] = "xgb" });
        r1.Metrics["val_f1"].Value.Should().Be(0.91);
        r1.Inputs.Should().ContainSingle().Which.Context.Should().Be("training");
    }

    private async Task<List<string>> SearchAsync(string filter, ViewType viewType = ViewType.ActiveOnly) =>
        (await Store.SearchRunsAsync(new RunSearch { ExperimentIds = [_experiment], Filter = filter, ViewType = viewType })).Items.Select(r => r.Info.RunName).ToList();

    private async Task AddRunAsync(string name, long start, RunStatus status, Param[] parameters, Metric[] metrics, RunTag[] tags, (string Name, string Digest, string Context)? dataset = null)
    {
        var info = await Store.CreateRunAsync(_experiment, name, start);
        _ids[name] = info.RunId;
        await Store.LogBatchAsync(info.RunId, metrics, parameters, tags);
        if (dataset is { } d)
        {
            await Store.LogInputsAsync(info.RunId, [new DatasetInput { Name = d.Name, Digest = d.Digest, SourceType = "local", Source = "{}", Tags = new Dictionary<string, string> { [MlflowTags.DatasetContext] = d.Context } }]);
        }

        if (status != RunStatus.Running)
        {
            await Store.UpdateRunAsync(info.RunId, new RunUpdate(status, start + 500));
        }
    }

    /// <summary>Everything the store holds for the fixture (all runs with their data, any lifecycle) plus the backend's raw storage.</summary>
    private async Task<string> SnapshotAsync()
    {
        var runs = await Store.SearchRunsAsync(new RunSearch { ExperimentIds = [_experiment], ViewType = ViewType.All, OrderBy = ["attributes.start_time ASC"] });
        var text = new System.Text.StringBuilder();
        foreach (var r in runs.Items)
        {
            text.Append(r.Info.RunName).Append('|').Append(r.Info.Status).Append('|').Append(r.Info.LifecycleStage).Append('|')
                .AppendJoin(',', r.Params.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value)).Append('|')
                .AppendJoin(',', r.Tags.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value)).Append('|')
                .AppendJoin(',', r.Metrics.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))).Append('|')
                .Append(r.Inputs.Count).AppendLine();
        }

        return text.Append(Backend.RawSnapshot()).ToString();
    }
}
