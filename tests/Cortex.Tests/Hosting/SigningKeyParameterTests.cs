namespace Cortex.Tests.Hosting;

/// <summary>Where the signing key may come from; the SSM read itself is tested against moto (Cortex.IntegrationTests).</summary>
public sealed class SigningKeyParameterTests
{
    [Fact]
    public void InLambdaAPlainSigningKeyIsRefused()
    {
        using var app = new CortexApplication(new Dictionary<string, string?> { ["AWS_LAMBDA_FUNCTION_NAME"] = "prod-cortex-api" }, "Production");

        var exception = Record.Exception(() => app.Services);

        Assert.NotNull(exception);
        Assert.Contains("set Cortex:Auth:SigningKeyParameter", exception.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AParameterAndAPlainKeyTogetherAreRefused()
    {
        using var app = new CortexApplication(new Dictionary<string, string?> { ["Cortex:Auth:SigningKeyParameter"] = "/prod/cortex/auth/signing-key" }, "Production");

        var exception = Record.Exception(() => app.Services);

        Assert.NotNull(exception);
        Assert.Contains("Set Cortex:Auth:SigningKeyParameter or Cortex:Auth:SigningKey, not both.", exception.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AParameterNameMustBeHierarchical()
    {
        using var app = new CortexApplication(
            new Dictionary<string, string?> { ["Cortex:Auth:SigningKey"] = null, ["Cortex:Auth:SigningKeyParameter"] = "signing-key" }, "Production");

        var exception = Record.Exception(() => app.Services);

        Assert.NotNull(exception);
        Assert.Contains("must be a hierarchical SSM name", exception.ToString(), StringComparison.Ordinal);
    }
}
