namespace MLOps.Registry.Tests;

/// <summary>The promotion-gate contract (<see cref="PromotionGateContract"/>) on the embedded SQLite registry.</summary>
public sealed class PromotionGateTests : PromotionGateContract
{
    protected override RegistryBackend CreateBackend() => new SqliteRegistryBackend();

    // A unit test of the gate's internal arithmetic: no registry involved, so it lives with the embedded run only.
    [Theory]
    [InlineData(0.0, 0.0, MetricDirection.HigherIsBetter, 0.0)]
    [InlineData(0.0, 0.1, MetricDirection.HigherIsBetter, double.PositiveInfinity)]
    [InlineData(0.0, -0.1, MetricDirection.HigherIsBetter, double.NegativeInfinity)]
    [InlineData(-2.0, -1.0, MetricDirection.HigherIsBetter, 0.5)]
    [InlineData(-2.0, -1.0, MetricDirection.LowerIsBetter, -0.5)]
    public void Improvement_EdgeValues_AreDirectionAwareAndRelativeToMagnitude(double holder, double candidate, MetricDirection direction, double expected)
    {
        PromotionGate.Improvement(candidate, holder, direction).Should().Be(expected);
    }
}
