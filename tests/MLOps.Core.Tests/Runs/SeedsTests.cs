using MLOps.Runs;

namespace MLOps.Core.Tests.Runs;

/// <summary>Tests that read or change the process-wide current seed run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SeedsCollection
{
    public const string Name = "Process-wide seed";
}

[Collection(SeedsCollection.Name)]
public sealed class SeedsTests
{
    private static Func<string, string?> Env(string? value) => name => name == "MLOPS_SEED" ? value : null;

    [Fact]
    public void Set_NoEnvironmentVariable_UsesSeedFromCode()
    {
        using var scope = Seeds.Set(42, Env(null));

        scope.Seed.Should().Be(42);
        scope.Source.Should().Be(SeedSource.Code);
        Seeds.Current.Should().BeSameAs(scope);
    }

    [Fact]
    public void Set_Seed_RandomRepeatsTheSeededSequence()
    {
        using var scope = Seeds.Set(42, Env(null));
        var reference = new Random(42);

        Enumerable.Range(0, 5).Select(_ => scope.Random.Next()).Should().Equal(Enumerable.Range(0, 5).Select(_ => reference.Next()));
    }

    [Fact]
    public void Set_EnvironmentVariable_WinsOverCode()
    {
        using var scope = Seeds.Set(42, Env(" -7 "));

        scope.Seed.Should().Be(-7);
        scope.Source.Should().Be(SeedSource.Environment);
    }

    [Fact]
    public void Set_NoSeedAnywhere_GeneratesAndRecordsOne()
    {
        using var scope = Seeds.Set(null, Env(""));

        scope.Source.Should().Be(SeedSource.Generated);
        scope.Seed.Should().BeGreaterThanOrEqualTo(0);
        Seeds.Current!.Seed.Should().Be(scope.Seed);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("99999999999")]
    public void Set_InvalidEnvironmentVariable_ThrowsQuotingValue(string value)
    {
        var act = () => Seeds.Set(42, Env(value));

        var thrown = act.Should().Throw<InvalidSeedException>().Which;
        thrown.VariableName.Should().Be("MLOPS_SEED");
        thrown.Value.Should().Be(value);
        thrown.Message.Should().Contain($"'{value}'").And.Contain("unset it");
    }

    [Fact]
    public void Dispose_NestedScopes_RestoresPrevious()
    {
        using var outer = Seeds.Set(1, Env(null));
        var inner = Seeds.Set(2, Env(null));
        Seeds.Current.Should().BeSameAs(inner);

        inner.Dispose();
        inner.Dispose();

        Seeds.Current.Should().BeSameAs(outer);
    }

    [Fact]
    public void Set_PublicOverload_ReadsRealEnvironmentVariable()
    {
        var before = Environment.GetEnvironmentVariable(Seeds.EnvironmentVariable);
        Environment.SetEnvironmentVariable(Seeds.EnvironmentVariable, "31337");
        try
        {
            using var scope = Seeds.Set(42);

            scope.Seed.Should().Be(31337);
            scope.Source.Should().Be(SeedSource.Environment);
        }
        finally
        {
            Environment.SetEnvironmentVariable(Seeds.EnvironmentVariable, before);
        }
    }
}
