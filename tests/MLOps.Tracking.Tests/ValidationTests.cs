namespace MLOps.Tracking.Tests;

/// <summary>MLflow's validation rules (mlflow/utils/validation.py), each at its limit and one past it.</summary>
public sealed class ValidationTests
{
    [Theory]
    [InlineData("loss")]
    [InlineData("train/loss")]
    [InlineData("val loss")]
    [InlineData("a-b_c.d")]
    [InlineData("gpu:0")]
    [InlineData("über_größe")]
    [InlineData("a/b/c")]
    [InlineData("..a/b", false)]
    public void MetricKey_ValidNames_Accepted(string key, bool valid = true)
    {
        var act = () => Validation.MetricKey(key);
        if (valid)
        {
            act.Should().NotThrow();
        }
        else
        {
            act.Should().Throw<InvalidTrackingValueException>();
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("/a")]
    [InlineData("a/")]
    [InlineData("a//b")]
    [InlineData("a/./b")]
    [InlineData("a/../b")]
    [InlineData("../a")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a*b")]
    [InlineData("a\\b")]
    [InlineData("a\nb")]
    [InlineData("a'b")]
    [InlineData("a,b")]
    public void MetricKey_InvalidName_ThrowsInvalidParameterValue(string key)
    {
        var ex = FluentActions.Invoking(() => Validation.MetricKey(key)).Should().Throw<InvalidTrackingValueException>().Which;
        ex.ErrorCode.Should().Be("INVALID_PARAMETER_VALUE");
        ex.Field.Should().Be("Metric name");
        ex.Value.Should().Be(key);
    }

    [Fact]
    public void Key_Exactly250Chars_Accepted_251_Rejected()
    {
        FluentActions.Invoking(() => Validation.ParamKey(new string('k', 250))).Should().NotThrow();
        FluentActions.Invoking(() => Validation.TagKey(new string('k', 251))).Should().Throw<InvalidTrackingValueException>()
            .WithMessage("*length 251*exceeded length limit of 250*");
    }

    [Fact]
    public void ParamValue_6000Accepted_6001Rejected()
    {
        FluentActions.Invoking(() => Validation.ParamValue("k", new string('v', 6000))).Should().NotThrow();
        FluentActions.Invoking(() => Validation.ParamValue("k", new string('v', 6001))).Should().Throw<InvalidTrackingValueException>()
            .WithMessage("*key 'k' had length 6001*limit of 6000*");
    }

    [Fact]
    public void TagValue_8000Accepted_8001Rejected()
    {
        FluentActions.Invoking(() => Validation.TagValue("k", new string('v', 8000))).Should().NotThrow();
        FluentActions.Invoking(() => Validation.TagValue("k", new string('v', 8001))).Should().Throw<InvalidTrackingValueException>()
            .WithMessage("*limit of 8000*");
    }

    [Fact]
    public void ExperimentName_500Accepted_501AndBlankRejected()
    {
        FluentActions.Invoking(() => Validation.ExperimentName(new string('e', 500))).Should().NotThrow();
        FluentActions.Invoking(() => Validation.ExperimentName(new string('e', 501))).Should().Throw<InvalidTrackingValueException>();
        FluentActions.Invoking(() => Validation.ExperimentName(" ")).Should().Throw<InvalidTrackingValueException>();
    }

    [Theory]
    [InlineData(1000, 0, 0, true)]
    [InlineData(1001, 0, 0, false)]
    [InlineData(0, 100, 0, true)]
    [InlineData(0, 101, 0, false)]
    [InlineData(0, 0, 100, true)]
    [InlineData(0, 0, 101, false)]
    [InlineData(900, 50, 50, true)]
    [InlineData(900, 50, 51, false)]
    public void Batch_Limits_MatchMlflow(int metrics, int parameters, int tags, bool valid)
    {
        var act = () => Validation.Batch(metrics, parameters, tags);
        if (valid)
        {
            act.Should().NotThrow();
        }
        else
        {
            act.Should().Throw<InvalidTrackingValueException>().Which.ErrorCode.Should().Be(MlflowErrorCode.InvalidParameterValue);
        }
    }

    [Fact]
    public void Timestamp_Negative_Rejected_ZeroAccepted()
    {
        FluentActions.Invoking(() => Validation.Timestamp("m", 0)).Should().NotThrow();
        FluentActions.Invoking(() => Validation.Timestamp("m", -1)).Should().Throw<InvalidTrackingValueException>().WithMessage("*-1*non-negative*");
    }

    [Theory]
    [InlineData("a//b", "a/b")]
    [InlineData("a/./b", "a/b")]
    [InlineData("a/", "a")]
    [InlineData("a/../b", "b")]
    [InlineData("", ".")]
    [InlineData("//a", "//a")]
    [InlineData("///a", "/a")]
    public void NormPath_MatchesPythonPosixpath(string path, string expected) =>
        Validation.NormPath(path).Should().Be(expected);

    [Fact]
    public void RunId_Format_MatchesMlflowRegex()
    {
        FluentActions.Invoking(() => Validation.RunId("0123456789abcdef0123456789abcdef")).Should().NotThrow();
        FluentActions.Invoking(() => Validation.RunId("_abc")).Should().Throw<InvalidTrackingValueException>();
        FluentActions.Invoking(() => Validation.RunId("a'; DROP TABLE runs;--")).Should().Throw<InvalidTrackingValueException>();
    }
}
