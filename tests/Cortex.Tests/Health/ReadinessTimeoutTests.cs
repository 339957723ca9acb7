using System.Net;
using Cortex.Api.Ports;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Health;

public sealed class ReadinessTimeoutTests
{
    [Fact]
    public async Task AReadinessCheckThatNeverAnswersMakesReadiness503WithinItsBudget()
    {
        using var app = new CortexApplication(new Dictionary<string, string?> { ["Cortex:Health:ReadinessCheckTimeout"] = "00:00:00.500" });
        using var hanging = app.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddHealthChecks().AddCheck<HangingCheck>("hanging", tags: [ReadinessCheck.Tag])));
        var client = hanging.CreateClient();

        // The request itself is bounded by the test's cancellation only: a hanging check would hang it.
        var response = await client.GetAsync("/health/ready", Cancellation);

        var problem = await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable, "not ready");
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal("unhealthy", problem.GetProperty("checks").GetProperty("hanging").GetString());
        Assert.Equal("healthy", problem.GetProperty("checks").GetProperty("store").GetString());
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:00:01")]
    [InlineData("00:01:00")]
    public void AReadinessBudgetOutsideItsRangeIsRefusedAtStartup(string timeout)
    {
        using var app = new CortexApplication(new Dictionary<string, string?> { ["Cortex:Health:ReadinessCheckTimeout"] = timeout });

        var exception = Record.Exception(() => app.Services);

        Assert.NotNull(exception);
        Assert.Contains("ReadinessCheckTimeout", exception.ToString(), StringComparison.Ordinal);
    }

    /// <summary>A dependency that neither answers nor honours cancellation, as a frozen bus can.</summary>
    private sealed class HangingCheck : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            new TaskCompletionSource<HealthCheckResult>().Task;
    }
}
