using System.Text.Json;
using Amazon;
using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Infrastructure.Aws;

/// <summary>
/// EventBridge over its JSON 1.1 wire protocol: AWSSDK.EventBridge cannot be had here, so each
/// action is one POST signed by AWSSDK.Core's SigV4 handler. Handler chain, outermost first:
/// ResilienceHandler (<see cref="AwsRetry.CreateCallPipeline"/>) -> SigV4SigningHandler ->
/// SocketsHttpHandler (no auto redirect).
/// </summary>
internal sealed class EventBridgeClient : IDisposable
{
    private readonly HttpClient _http;

    public EventBridgeClient(AWSOptions aws, IOptions<AwsOptions> options, TimeProvider clock, ILogger<EventBridgeClient> logger)
        : this(
            CreateHandler(
                aws.Credentials ?? aws.GetCredentials(),
                AwsJsonCall.ResolveRegion(aws),
                AwsJsonCall.CreateTransport(),
                options.Value,
                clock,
                logger),
            ResolveEndpoint(aws),
            clock,
            options.Value)
    {
    }

    internal EventBridgeClient(HttpMessageHandler handler, Uri endpoint, TimeProvider clock, AwsOptions options)
    {
        // Timeouts are per attempt, inside the retry handler.
        _http = new HttpClient(handler) { BaseAddress = endpoint, Timeout = Timeout.InfiniteTimeSpan };
        Clock = clock;
        Options = options;
    }

    public TimeProvider Clock { get; }

    public AwsOptions Options { get; }

    public Uri Endpoint => _http.BaseAddress!;

    /// <summary>The retry handler over the signing handler (service "events") over <paramref name="transport"/>.</summary>
    internal static HttpMessageHandler CreateHandler(
        AWSCredentials? credentials, RegionEndpoint region, HttpMessageHandler transport, AwsOptions options, TimeProvider clock, ILogger? logger = null) =>
        AwsJsonCall.CreateHandler("events", credentials, region, transport, options, clock, logger ?? NullLogger.Instance);

    internal static Uri ResolveEndpoint(AWSOptions aws) => AwsJsonCall.ResolveEndpoint(aws, "events");

    /// <summary>
    /// Calls <paramref name="action"/> (for example "PutEvents") with a JSON body; transient failures
    /// are retried until <paramref name="deadline"/>. Returns the response document, or throws
    /// <see cref="EventBridgeException"/> for an error answer.
    /// </summary>
    public Task<JsonDocument> CallAsync(string action, byte[] body, DateTimeOffset deadline, CancellationToken cancellationToken) =>
        AwsJsonCall.SendAsync(_http, "EventBridge", "AWSEvents." + action, body, deadline,
            (status, error) => new EventBridgeException(status, error.Type, error.Message), cancellationToken);

    /// <summary>As <see cref="CallAsync(string, byte[], DateTimeOffset, CancellationToken)"/>, with the default retry budget.</summary>
    public Task<JsonDocument> CallAsync(string action, object request, CancellationToken cancellationToken) =>
        CallAsync(action, JsonSerializer.SerializeToUtf8Bytes(request), Clock.GetUtcNow() + Options.PublishRetryBudget, cancellationToken);

    public void Dispose() => _http.Dispose();
}
