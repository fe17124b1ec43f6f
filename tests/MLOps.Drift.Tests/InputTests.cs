using Apache.Arrow;
using Apache.Arrow.Types;
using MLOps.Drift.Statistics;

namespace MLOps.Drift.Tests;

/// <summary>Input types, cleaning (nulls, NaN, ±∞), Arrow arrays and record batches, and error reporting.</summary>
public sealed class InputTests
{
    [Fact]
    public void Numerical_NaNAndInfinities_DroppedAndCounted()
    {
        ColumnSample s = ColumnSample.Numerical([1.0, double.NaN, 2.0, double.PositiveInfinity, double.NegativeInfinity, 3.0]);
        s.RowCount.Should().Be(6);
        s.NonFiniteCount.Should().Be(3);
        s.ValidCount.Should().Be(3);
        s.MissingShare.Should().Be(0.5);
        s.Numbers.ToArray().Should().Equal(1.0, 2.0, 3.0);
    }

    [Fact]
    public void Numerical_FloatIntLong_WidenExactly()
    {
        ColumnSample.Numerical([1.5f, float.NaN, 0.1f]).Numbers.ToArray().Should().Equal(1.5, (double)0.1f);
        ColumnSample.Numerical([1, -2, 3]).Numbers.ToArray().Should().Equal(1.0, -2.0, 3.0);
        ColumnSample.Numerical([1L << 40, -7L]).Numbers.ToArray().Should().Equal(1099511627776.0, -7.0);
    }

    [Fact]
    public void Categorical_BoolAndStrings_CountNulls()
    {
        ColumnSample b = ColumnSample.Categorical([true, false, true]);
        b.IsBoolean.Should().BeTrue();
        b.Kind.Should().Be(ColumnKind.Categorical);
        ColumnSample s = ColumnSample.Categorical(["x", null, "y", null]);
        s.NullCount.Should().Be(2);
        s.Strings.ToArray().Should().Equal("x", "y");
    }

    [Fact]
    public void Run_FloatSampleEqualsDoubleSample_SameResult()
    {
        float[] a = [.. Enumerable.Range(0, 300).Select(i => (float)Math.Sin(i))];
        float[] b = [.. Enumerable.Range(0, 400).Select(i => (float)Math.Cos(i * 0.7))];
        DriftTestResult fromFloat = DriftTests.Run(DriftMethod.KolmogorovSmirnov, ColumnSample.Numerical(a), ColumnSample.Numerical(b));
        DriftTestResult fromDouble = DriftTests.Run(DriftMethod.KolmogorovSmirnov, [.. a.Select(v => (double)v)], [.. b.Select(v => (double)v)]);
        fromFloat.Should().Be(fromDouble);
    }

    [Fact]
    public void Run_BooleanColumns_DefaultZTestMatchesHandComputed()
    {
        // 30 of 100 true vs 45 of 100 true: pooled P = 0.375, z = (0.3 - 0.45) / sqrt(P(1-P)(2/100)).
        bool[] reference = [.. Enumerable.Range(0, 100).Select(i => i < 30)];
        bool[] current = [.. Enumerable.Range(0, 100).Select(i => i < 45)];
        DatasetDriftResult result = DatasetDrift.Compute(
            [new DriftColumnInput("flag", ColumnSample.Categorical(reference), ColumnSample.Categorical(current))]);
        DriftTestResult t = result.Columns[0].Test;
        t.Method.Should().Be(DriftMethod.ZTest);
        double z = (0.3 - 0.45) / Math.Sqrt(0.375 * 0.625 * 0.02);
        t.Statistic.Should().BeApproximately(z, 1e-12);
        t.PValue.Should().BeApproximately(0.02845973691631065, 1e-12); // 2*(1 - norm.cdf(|z|)), SciPy 1.10
        t.Drifted.Should().BeTrue();
    }

    [Fact]
    public void FromArrow_DoubleArrayWithNulls_NullShareReportedAndExcluded()
    {
        var builder = new DoubleArray.Builder();
        builder.Append(1.0).AppendNull().Append(double.NaN).Append(2.0).AppendNull().Append(3.0);
        ColumnSample s = ColumnSample.FromArrow(builder.Build());
        s.Kind.Should().Be(ColumnKind.Numerical);
        s.RowCount.Should().Be(6);
        s.NullCount.Should().Be(2);
        s.NonFiniteCount.Should().Be(1);
        s.MissingShare.Should().Be(0.5);
        s.Numbers.ToArray().Should().Equal(1.0, 2.0, 3.0);
    }

    [Fact]
    public void FromArrow_IntegerStringBooleanDictionary_KindsInferred()
    {
        ColumnSample ints = ColumnSample.FromArrow(new Int32Array.Builder().Append(5).AppendNull().Append(7).Build());
        ints.Kind.Should().Be(ColumnKind.Numerical);
        ints.Numbers.ToArray().Should().Equal(5.0, 7.0);

        ColumnSample text = ColumnSample.FromArrow(new StringArray.Builder().Append("a").AppendNull().Append("b").Build());
        text.Kind.Should().Be(ColumnKind.Categorical);
        text.NullCount.Should().Be(1);

        ColumnSample flags = ColumnSample.FromArrow(new BooleanArray.Builder().Append(true).AppendNull().Append(false).Build());
        flags.Kind.Should().Be(ColumnKind.Categorical);
        flags.Numbers.ToArray().Should().Equal(1.0, 0.0);

        var dictionary = new StringArray.Builder().Append("low").Append("high").Build();
        var indices = new Int32Array.Builder().Append(1).Append(0).AppendNull().Append(1).Build();
        var encoded = new DictionaryArray(new DictionaryType(Int32Type.Default, StringType.Default, false), indices, dictionary);
        ColumnSample decoded = ColumnSample.FromArrow(encoded);
        decoded.Strings.ToArray().Should().Equal("high", "low", "high");
        decoded.NullCount.Should().Be(1);
    }

    [Fact]
    public void FromArrow_StringDeclaredNumerical_Throws()
    {
        Action act = () => ColumnSample.FromArrow(new StringArray.Builder().Append("a").Build(), ColumnKind.Numerical);
        act.Should().Throw<DriftException>();
    }

    [Fact]
    public void Compute_RecordBatches_ColumnsMatchedByNameAndShareRuleApplied()
    {
        const int n = 2000;
        RecordBatch Batch(double shift, bool reorder)
        {
            var num = new DoubleArray.Builder();
            var same = new DoubleArray.Builder();
            var cat = new StringArray.Builder();
            for (int i = 0; i < n; i++)
            {
                double u = (i + 0.5) / n;
                num.Append((u * 10) + shift);
                if (i % 10 == 0)
                {
                    same.AppendNull();
                }
                else
                {
                    same.Append(u);
                }

                cat.Append(i % 3 == 0 ? "x" : "y");
            }

            var fields = new List<(string, IArrowArray)> { ("num", num.Build()), ("same", same.Build()), ("cat", cat.Build()) };
            if (reorder)
            {
                fields.Reverse();
            }

            var schema = new Schema.Builder();
            foreach ((string name, IArrowArray array) in fields)
            {
                schema.Field(f => f.Name(name).DataType(array.Data.DataType).Nullable(true));
            }

            return new RecordBatch(schema.Build(), fields.Select(f => f.Item2), n);
        }

        DatasetDriftResult result = DatasetDrift.Compute(Batch(0, false), Batch(3, true));
        result.Columns.Select(c => c.Name).Should().Equal("num", "same", "cat");
        result.Columns[0].Test.Method.Should().Be(DriftMethod.Wasserstein);
        result.Columns[0].Test.Drifted.Should().BeTrue();
        result.Columns[1].ReferenceMissingShare.Should().Be(0.1);
        result.Columns[1].Test.Drifted.Should().BeFalse();
        result.Columns[2].Test.Method.Should().Be(DriftMethod.JensenShannon);
        result.Columns[2].Test.Statistic.Should().Be(0);
        result.DriftedColumns.Should().Be(1);
        result.ShareOfDriftedColumns.Should().BeApproximately(1.0 / 3, 1e-15);
        result.DatasetDrifted.Should().BeFalse();

        // Evidently's rule is share >= drift_share.
        DatasetDrift.Compute(Batch(0, false), Batch(3, true), new DriftOptions { DriftShare = 1.0 / 3 }).DatasetDrifted.Should().BeTrue();
    }

    [Fact]
    public void Compute_MissingCurrentColumn_ThrowsNamingIt()
    {
        var schema = new Schema.Builder().Field(f => f.Name("a").DataType(DoubleType.Default)).Build();
        var reference = new RecordBatch(schema, [new DoubleArray.Builder().Append(1).Build()], 1);
        var otherSchema = new Schema.Builder().Field(f => f.Name("b").DataType(DoubleType.Default)).Build();
        var current = new RecordBatch(otherSchema, [new DoubleArray.Builder().Append(1).Build()], 1);
        Action act = () => DatasetDrift.Compute(reference, current);
        act.Should().Throw<DriftException>().Which.ColumnName.Should().Be("a");
    }

    [Fact]
    public void Compute_Overrides_ColumnThenKindThenAll()
    {
        double[] a = [.. Enumerable.Range(0, 200).Select(i => i * 0.01)];
        double[] b = [.. Enumerable.Range(0, 200).Select(i => (i * 0.01) + 0.2)];
        var options = new DriftOptions
        {
            Method = DriftMethod.Psi,
            NumericalMethod = DriftMethod.Hellinger,
            NumericalThreshold = 0.9,
        };
        options.Columns["x"] = new ColumnDriftOptions { Method = DriftMethod.EnergyDistance, Threshold = 0.01 };
        DatasetDriftResult r = DatasetDrift.Compute(
            [
                new DriftColumnInput("x", ColumnSample.Numerical(a), ColumnSample.Numerical(b)),
                new DriftColumnInput("y", ColumnSample.Numerical(a), ColumnSample.Numerical(b)),
                new DriftColumnInput("z", ColumnSample.Categorical(a), ColumnSample.Categorical(b)),
            ],
            options);
        r.Columns[0].Test.Method.Should().Be(DriftMethod.EnergyDistance);
        r.Columns[0].Test.Threshold.Should().Be(0.01);
        r.Columns[1].Test.Method.Should().Be(DriftMethod.Hellinger);
        r.Columns[1].Test.Threshold.Should().Be(0.9);
        r.Columns[2].Test.Method.Should().Be(DriftMethod.Psi);
        r.Columns[2].Test.Threshold.Should().Be(0.1);
    }

    [Fact]
    public void Run_EmptyAfterCleaning_ThrowsDriftException()
    {
        Action act = () => DriftTests.Run(DriftMethod.KolmogorovSmirnov, ColumnSample.Numerical([double.NaN]), ColumnSample.Numerical([1.0]), columnName: "age");
        act.Should().Throw<DriftException>().Which.ColumnName.Should().Be("age");
        act.Should().Throw<MLOpsException>().Which.IsTransient.Should().BeFalse();
    }

    [Fact]
    public void Run_NumericTestOnText_ThrowsDriftException()
    {
        Action act = () => DriftTests.Run(DriftMethod.KolmogorovSmirnov, ["a"], ["b"]);
        act.Should().Throw<DriftException>().WithMessage("*needs numbers*");
    }

    [Fact]
    public void Run_FisherOnThreeCategories_ThrowsDriftException()
    {
        Action act = () => DriftTests.Run(DriftMethod.FisherExact, ["a", "b", "c"], ["a", "b"]);
        act.Should().Throw<DriftException>().WithMessage("*binary*");
    }

    [Fact]
    public void Run_FisherWithDifferentLengths_Works()
    {
        // Evidently raises unless both sides have the same length.
        DriftTestResult r = DriftTests.Run(DriftMethod.FisherExact, ["a", "a", "b"], ["a", "b", "b", "b", "b"]);
        TestStatistic direct = ContingencyTests.FisherExact(4, 1, 1, 2);
        r.PValue.Should().Be(direct.PValue);
    }

    [Fact]
    public void Run_TextVersusNumbers_ThrowsDriftException()
    {
        Action act = () => DriftTests.Run(DriftMethod.ChiSquare, ColumnSample.Categorical(["1"]), ColumnSample.Categorical([1]));
        act.Should().Throw<DriftException>();
    }

    [Fact]
    public void TwoSampleTests_NaNInput_ThrowsArgumentException()
    {
        Action act = () => TwoSampleTests.KolmogorovSmirnov([1.0, double.NaN], [2.0]);
        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void TotalVariation_ReportsDistanceNotPermutationPValue()
    {
        DriftTestResult r = DriftTests.Run(DriftMethod.TotalVariation, ["a", "a", "b", "b"], ["a", "b", "b", "b"]);
        r.Statistic.Should().Be(0.25);
        r.PValue.Should().BeNull();
        r.Drifted.Should().BeTrue();
    }
}
