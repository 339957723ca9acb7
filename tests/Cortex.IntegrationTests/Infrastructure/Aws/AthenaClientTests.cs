using Cortex.Api.Infrastructure.Aws;
using Cortex.DevTools.AwsLocal;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cortex.IntegrationTests.Infrastructure.Aws;

/// <summary>
/// The Athena client's wire protocol against the emulator (moto's Athena answers every query at
/// once with an empty or canned result set: these tests prove the calls, not the answers; the
/// answers are proven on DuckDB in the fast tests).
/// </summary>
public sealed class AthenaClientTests : IClassFixture<AwsEmulator>
{
    private readonly AwsEmulator _emulator;

    public AthenaClientTests(AwsEmulator emulator)
    {
        emulator.EnsureAvailable();
        _emulator = emulator;
    }

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AStartedQueryCanBeFollowedToItsEndAndItsResultsRead()
    {
        var requests = new List<SentRequest>();
        using var client = CreateClient(requests);

        var id = await client.StartQueryExecutionAsync("SELECT 1", "cortex_telemetry", "primary", Guid.NewGuid().ToString("N"), Cancellation);
        var state = await client.GetQueryExecutionAsync(id, Cancellation);
        var (rows, next) = await client.GetQueryResultsAsync(id, null, Cancellation);

        Assert.False(string.IsNullOrEmpty(id));
        Assert.True(state.IsFinished, $"state {state.State}");
        Assert.Equal("SUCCEEDED", state.State);
        Assert.NotNull(rows);
        Assert.Null(next);
        Assert.Equal(
            ["AmazonAthena.StartQueryExecution", "AmazonAthena.GetQueryExecution", "AmazonAthena.GetQueryResults"],
            requests.Select(r => r.Target));
        Assert.All(requests, r =>
        {
            Assert.Equal("application/x-amz-json-1.1", r.ContentType);
            Assert.Contains("/us-east-1/athena/aws4_request", r.Authorization, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task AQueryInAnUnknownWorkGroupIsAnErrorWithAthenasType()
    {
        using var client = CreateClient([]);

        var error = await Assert.ThrowsAsync<AthenaException>(() =>
            client.StartQueryExecutionAsync("SELECT 1", "cortex_telemetry", "no-such-workgroup-" + Guid.NewGuid().ToString("N")[..8], Guid.NewGuid().ToString("N"), Cancellation));

        Assert.Equal(400, error.StatusCode);
        Assert.False(string.IsNullOrEmpty(error.ErrorType));
    }

    private AthenaClient CreateClient(List<SentRequest> requests)
    {
        var aws = AwsLocalServices.EmulatorOptions(_emulator.Endpoint);
        var options = new AwsOptions { EventBridgeTimeout = TimeSpan.FromSeconds(30), PublishRetryBudget = TimeSpan.Zero };
        var transport = new RecordingHandler(requests) { InnerHandler = new SocketsHttpHandler { AllowAutoRedirect = false } };
        var handler = AthenaClient.CreateHandler(aws.Credentials, aws.Region, transport, options, TimeProvider.System, NullLogger.Instance);
        return new AthenaClient(handler, AthenaClient.ResolveEndpoint(aws), TimeProvider.System, options);
    }

    public sealed record SentRequest(string Target, string? ContentType, string Authorization);

    /// <summary>Records each request as it reaches the wire, after signing.</summary>
    private sealed class RecordingHandler(List<SentRequest> requests) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            requests.Add(new SentRequest(
                string.Join(",", request.Headers.GetValues("X-Amz-Target")),
                request.Content?.Headers.ContentType?.ToString(),
                string.Join(",", request.Headers.GetValues("Authorization"))));
            return base.SendAsync(request, cancellationToken);
        }
    }
}
