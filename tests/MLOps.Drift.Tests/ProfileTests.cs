using System.Text.Json;

namespace MLOps.Drift.Tests;

/// <summary>Reference profiles: exact profiles reproduce the raw-data tests, sketches stay within their proven bounds, JSON round-trips.</summary>
public sealed class ProfileTests
{
    private static readonly DriftMethod[] NumericMethods =
    [
        DriftMethod.KolmogorovSmirnov, DriftMethod.Wasserstein, DriftMethod.WassersteinRaw, DriftMethod.EnergyDistance,
        DriftMethod.Psi, DriftMethod.KullbackLeibler, DriftMethod.JensenShannon, DriftMethod.JensenShannonBase2,
        DriftMethod.Hellinger, DriftMethod.ChiSquare, DriftMethod.GTest, DriftMethod.TotalVariation,
        DriftMethod.AndersonDarling, DriftMethod.CramerVonMises, DriftMethod.MannWhitneyU,
    ];

    private static readonly DriftMethod[] CategoricalMethods =
    [
        DriftMethod.ChiSquare, DriftMethod.GTest, DriftMethod.ZTest, DriftMethod.Psi, DriftMethod.KullbackLeibler,
        DriftMethod.JensenShannon, DriftMethod.JensenShannonBase2, DriftMethod.Hellinger, DriftMethod.TotalVariation,
    ];

    public static TheoryData<string> NumericCases() => ["small-ties", "continuous-5000", "discrete-15", "shifted-heavy-tail", "disjoint"];

    private static (double[] Reference, double[] Current) Numeric(string name)
    {
        var rng = new Random(name.Length * 7919);
        return name switch
        {
            "small-ties" => ([1, 2, 2, 3, 3, 3, 4, 5, 5, 9], [2, 2, 3, 4, 4, 6, 7]),
            "continuous-5000" => (Normal(rng, 5000, 0, 1), Normal(rng, 3000, 0.1, 1.2)),
            "discrete-15" => ([.. Enumerable.Range(0, 2000).Select(_ => (double)rng.Next(15))], [.. Enumerable.Range(0, 1500).Select(_ => (double)rng.Next(3, 17))]),
            "shifted-heavy-tail" => ([.. Normal(rng, 1500, 0, 1).Select(v => v * v * v)], [.. Normal(rng, 800, 0.3, 1).Select(v => v * v * v)]),
            "disjoint" => ([.. Normal(rng, 300, 0, 1)], [.. Normal(rng, 200, 50, 1)]),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    internal static double[] Normal(Random rng, int n, double mean, double sd)
    {
        double[] x = new double[n];
        for (int i = 0; i < n; i++)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            x[i] = mean + (sd * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }

        return x;
    }

    private static void ShouldMatch(DriftTestResult actual, DriftTestResult expected, string because)
    {
        actual.Method.Should().Be(expected.Method, because);
        Close(actual.Statistic, expected.Statistic, because);
        if (expected.PValue is null)
        {
            actual.PValue.Should().BeNull(because);
        }
        else
        {
            Close(actual.PValue!.Value, expected.PValue.Value, because);
        }

        actual.Drifted.Should().Be(expected.Drifted, because);
        actual.Threshold.Should().Be(expected.Threshold, because);
    }

    private static void Close(double actual, double expected, string because)
    {
        if (double.IsNaN(expected) || double.IsInfinity(expected))
        {
            actual.Should().Be(expected, because);
            return;
        }

        // Only the summation order differs from the raw path (NumPy's pairwise sums over every value vs one term per distinct value).
        Math.Abs(actual - expected).Should().BeLessThanOrEqualTo((1e-12 * Math.Abs(expected)) + 1e-15, because);
    }

    [Theory]
    [MemberData(nameof(NumericCases))]
    public void Run_ExactNumericProfile_MatchesRawReferenceForEveryTest(string name)
    {
        (double[] reference, double[] current) = Numeric(name);
        ColumnSample r = ColumnSample.Numerical(reference), c = ColumnSample.Numerical(current);
        ColumnProfile profile = ColumnProfile.Create(name, r);
        profile.Representation.Should().Be(ProfileRepresentation.Exact);
        foreach (DriftMethod method in NumericMethods)
        {
            DriftTestResult expected = DriftTests.Run(method, r, c);
            ProfileDriftResult actual = DriftTests.Run(profile, c, method);
            actual.Exact.Should().BeTrue();
            actual.StatisticErrorBound.Should().Be(0.0);
            ShouldMatch(actual.Test, expected, $"{name}/{method}");
        }

        DriftTests.Run(profile, c).Test.Method.Should().Be(DefaultDriftTest.Select(r, c));
    }

    [Fact]
    public void Run_ExactCategoricalProfiles_MatchRawReference()
    {
        var rng = new Random(5);
        string[] letters = ["a", "b", "c", "d", "e"];
        string?[] rText = [.. Enumerable.Range(0, 900).Select(i => i % 50 == 0 ? null : letters[rng.Next(5)])];
        string?[] cText = [.. Enumerable.Range(0, 700).Select(_ => letters[Math.Min(4, rng.Next(6))])];
        int[] rCodes = [.. Enumerable.Range(0, 3000).Select(_ => rng.Next(8))];
        int[] cCodes = [.. Enumerable.Range(0, 2500).Select(_ => rng.Next(1, 10))];
        (ColumnSample R, ColumnSample C)[] pairs =
        [
            (ColumnSample.Categorical(rText), ColumnSample.Categorical(cText)),
            (ColumnSample.Categorical(rCodes), ColumnSample.Categorical(cCodes)),
        ];
        foreach ((ColumnSample r, ColumnSample c) in pairs)
        {
            ColumnProfile profile = ColumnProfile.Create("cat", r);
            foreach (DriftMethod method in CategoricalMethods)
            {
                ShouldMatch(DriftTests.Run(profile, c, method).Test, DriftTests.Run(method, r, c), $"{r.IsNumeric}/{method}");
            }

            ShouldMatch(DriftTests.Run(profile, c).Test, DatasetDrift.Compute([new DriftColumnInput("cat", r, c)]).Columns[0].Test, "default");
        }

        bool[] rb = [.. Enumerable.Range(0, 400).Select(i => i % 3 == 0)];
        bool[] cb = [.. Enumerable.Range(0, 300).Select(i => i % 2 == 0)];
        ColumnProfile flag = ColumnProfile.Create("flag", ColumnSample.Categorical(rb));
        flag.ValueType.Should().Be(ProfileValueType.Boolean);
        ShouldMatch(
            DriftTests.Run(flag, ColumnSample.Categorical(cb), DriftMethod.FisherExact).Test,
            DriftTests.Run(DriftMethod.FisherExact, ColumnSample.Categorical(rb), ColumnSample.Categorical(cb)),
            "fisher");
    }

    [Fact]
    public void Run_SketchProfile_StaysWithinDocumentedBounds()
    {
        var rng = new Random(11);
        double[] reference = Normal(rng, 200_000, 0, 1);
        double[] current = Normal(rng, 20_000, 0.02, 1.05);
        ColumnSample r = ColumnSample.Numerical(reference), c = ColumnSample.Numerical(current);
        ColumnProfile profile = ColumnProfile.Create("x", r, new ProfileOptions { SketchSize = 1000 });

        profile.Representation.Should().Be(ProfileRepresentation.QuantileSketch);
        profile.Values!.Count.Should().Be(1000);
        profile.DistinctCount.Should().Be(200_000);
        profile.RankErrorBound.Should().Be(200 / 200_000.0, "⌈n/K⌉/n with n = 200 000, K = 1 000");
        profile.Min.Should().Be(reference.Min());
        profile.Max.Should().Be(reference.Max());
        profile.Mean!.Value.Should().BeApproximately(reference.Average(), 1e-12);

        // Transport cost recomputed independently: each run of 200 sorted values moved onto its lower median.
        double[] sorted = [.. reference.Order()];
        double cost = 0;
        for (int run = 0; run < 1000; run++)
        {
            double median = sorted[(run * 200) + 99];
            for (int i = run * 200; i < (run + 1) * 200; i++)
            {
                cost += Math.Abs(sorted[i] - median);
            }
        }

        profile.TransportCost.Should().BeApproximately(cost / 200_000, 1e-12);

        foreach (DriftMethod method in new[] { DriftMethod.KolmogorovSmirnov, DriftMethod.WassersteinRaw, DriftMethod.Wasserstein, DriftMethod.EnergyDistance })
        {
            DriftTestResult exact = DriftTests.Run(method, r, c);
            ProfileDriftResult approx = DriftTests.Run(profile, c, method);
            approx.Exact.Should().BeFalse();
            approx.StatisticErrorBound.Should().NotBeNull();
            Math.Abs(approx.Test.Statistic - exact.Statistic).Should().BeLessThanOrEqualTo(approx.StatisticErrorBound!.Value + 1e-15, method.ToString());
        }

        // Binned tests: every reference bin share read from the sketch is within 2ε of the exact share (any equal-width
        // bins; here the 19 Sturges bins Evidently would use over reference ∪ current).
        double lo = Math.Min(reference.Min(), current.Min()), hi = Math.Max(reference.Max(), current.Max());
        int bins = (int)Math.Ceiling(Math.Log2(reference.Length + current.Length) + 1);
        double[] exactShare = new double[bins], sketchShare = new double[bins];
        int Bin(double v) => Math.Min(bins - 1, (int)((v - lo) / (hi - lo) * bins));
        foreach (double v in reference)
        {
            exactShare[Bin(v)] += 1.0 / reference.Length;
        }

        for (int i = 0; i < profile.Values.Count; i++)
        {
            sketchShare[Bin(profile.Values[i])] += profile.Counts[i] / (double)reference.Length;
        }

        for (int i = 0; i < bins; i++)
        {
            Math.Abs(sketchShare[i] - exactShare[i]).Should().BeLessThanOrEqualTo((2 * profile.RankErrorBound) + 1e-12);
        }

        double psi = DriftTests.Run(DriftMethod.Psi, r, c).Statistic;
        DriftTests.Run(profile, c, DriftMethod.Psi).Test.Statistic.Should().BeApproximately(psi, 0.005);
        FluentActions.Invoking(() => DriftTests.Run(profile, c, DriftMethod.MannWhitneyU))
            .Should().Throw<DriftException>().WithMessage("*quantile sketch*");
    }

    [Fact]
    public void Json_RoundTrip_PreservesEveryFieldAndResult()
    {
        var rng = new Random(3);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        double[] big = Normal(rng, 30_000, 5, 2);
        ReferenceProfile profile = ReferenceProfile.Create(
            [
                new("income", ColumnSample.Numerical(big)),
                new("age", ColumnSample.Numerical([.. Enumerable.Range(0, 500).Select(i => (double)(18 + (i % 60)))])),
                new("city", ColumnSample.Categorical(["oslo", "rome", null, "oslo", "lima"])),
                new("flag", ColumnSample.Categorical([true, false, true])),
            ],
            new ProfileOptions { SketchSize = 2000 },
            time);

        string json = profile.ToJson();
        using (JsonDocument doc = JsonDocument.Parse(json))
        {
            doc.RootElement.GetProperty("schema").GetString().Should().Be("mlops.drift.reference-profile");
            doc.RootElement.GetProperty("version").GetInt32().Should().Be(1);
            doc.RootElement.GetProperty("createdAt").GetDateTimeOffset().Should().Be(time.GetUtcNow());
            JsonElement income = doc.RootElement.GetProperty("columns")[0];
            income.GetProperty("representation").GetString().Should().Be("QuantileSketch");
            income.GetProperty("kind").GetString().Should().Be("Numerical");
            income.GetProperty("histogram").GetProperty("edges").GetArrayLength().Should().Be(income.GetProperty("histogram").GetProperty("counts").GetArrayLength() + 1);
            doc.RootElement.GetProperty("columns")[2].GetProperty("categories").EnumerateArray().Select(e => e.GetString()).Should().Equal("lima", "oslo", "rome");
            doc.RootElement.GetProperty("columns")[2].TryGetProperty("values", out _).Should().BeFalse();
        }

        ReferenceProfile back = ReferenceProfile.FromJson(json);
        back.ToJson().Should().Be(json);
        using var stream = new MemoryStream();
        profile.WriteJson(stream);
        stream.Position = 0;
        ReferenceProfile.ReadJson(stream).ToJson().Should().Be(json);

        back.TryGetColumn("income", out ColumnProfile? income2).Should().BeTrue();
        income2!.Values.Should().Equal(profile.Columns[0].Values);
        income2.Std.Should().Be(profile.Columns[0].Std);
        income2.TransportCost.Should().Be(profile.Columns[0].TransportCost);
        ColumnSample current = ColumnSample.Numerical(Normal(rng, 1000, 5.5, 2));
        DriftTests.Run(income2, current).Should().Be(DriftTests.Run(profile.Columns[0], current));
        back.Columns[2].NullCount.Should().Be(1);
        back.Columns[3].ValueType.Should().Be(ProfileValueType.Boolean);
    }

    [Theory]
    [InlineData("{\"schema\":\"mlops.drift.reference-profile\",\"version\":2,\"columns\":[]}", "*version 2*")]
    [InlineData("{\"schema\":\"something-else\",\"version\":1,\"columns\":[]}", "*something-else*")]
    [InlineData("{\"schema\":\"mlops.drift.reference-profile\",\"version\":1,\"columns\":[{\"name\":\"x\",\"kind\":\"Numerical\",\"valueType\":\"Number\",\"rowCount\":2,\"nullCount\":0,\"nonFiniteCount\":0,\"count\":2,\"distinctCount\":2,\"representation\":\"Exact\",\"values\":[2,1],\"counts\":[1,1],\"min\":1,\"max\":2,\"mean\":1.5,\"std\":0.5,\"rankErrorBound\":0,\"transportCost\":0}]}", "*strictly increasing*")]
    [InlineData("{\"schema\":", "*malformed*")]
    public void FromJson_InvalidProfile_ThrowsDriftException(string json, string message)
    {
        FluentActions.Invoking(() => ReferenceProfile.FromJson(json)).Should().Throw<DriftException>().WithMessage(message);
    }

    [Fact]
    public void DatasetCompute_FromProfile_EqualsRawDatasetDrift()
    {
        var rng = new Random(9);
        double[] a = Normal(rng, 3000, 0, 1), b = Normal(rng, 2000, 0.4, 1);
        string?[] s1 = [.. Enumerable.Range(0, 3000).Select(i => (i % 7).ToString(System.Globalization.CultureInfo.InvariantCulture))];
        string?[] s2 = [.. Enumerable.Range(0, 2000).Select(i => (i % 5).ToString(System.Globalization.CultureInfo.InvariantCulture))];
        var options = new DriftOptions();
        options.Columns["b"] = new ColumnDriftOptions { Method = DriftMethod.Psi, Threshold = 0.2 };
        DatasetDriftResult raw = DatasetDrift.Compute(
            [new DriftColumnInput("a", ColumnSample.Numerical(a), ColumnSample.Numerical(b)), new DriftColumnInput("b", ColumnSample.Categorical(s1), ColumnSample.Categorical(s2))],
            options);
        ReferenceProfile profile = ReferenceProfile.Create([new("a", ColumnSample.Numerical(a)), new("b", ColumnSample.Categorical(s1))]);
        DatasetDriftResult fromProfile = DatasetDrift.Compute(profile, [new("a", ColumnSample.Numerical(b)), new("b", ColumnSample.Categorical(s2))], options);
        fromProfile.DriftedColumns.Should().Be(raw.DriftedColumns);
        fromProfile.DatasetDrifted.Should().Be(raw.DatasetDrifted);
        for (int i = 0; i < 2; i++)
        {
            ShouldMatch(fromProfile.Columns[i].Test, raw.Columns[i].Test, raw.Columns[i].Name);
            fromProfile.Columns[i].Exact.Should().BeTrue();
        }
    }
}
