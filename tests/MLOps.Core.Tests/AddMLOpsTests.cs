using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MLOps;

namespace MLOps.Core.Tests;

public sealed class AddMLOpsTests
{
    [Fact]
    public void AddMLOps_CalledTwice_RegistersTimeProviderOnce()
    {
        var services = new ServiceCollection();
        services.AddMLOps();
        services.AddMLOps();

        services.Count(d => d.ServiceType == typeof(TimeProvider)).Should().Be(1);
    }

    [Fact]
    public void AddMLOps_BlankRoot_FailsValidation()
    {
        var services = new ServiceCollection();
        services.AddMLOps(o => o.RootDirectory = " ");
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<MLOpsOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().WithMessage("*RootDirectory*");
    }
}
