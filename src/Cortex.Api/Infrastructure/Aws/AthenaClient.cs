using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon;
using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Infrastructure.Aws;

/// <summary>
/// The three Athena actions analytics needs, over Athena's JSON 1.1 wire protocol (AWSSDK.Athena
/// cannot be had here), signed by AWSSDK.Core's SigV4 handler as <see cref="EventBridgeClient"/>
/// is: retries outside the signing handler, so every attempt is signed afresh.
/// </summary>
internal sealed class AthenaClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly TimeProvider _clock;
    private readonly AwsOptions _options;

    public AthenaClient(AWSOptions aws, IOptions<AwsOptions> options, TimeProvider clock, ILogger<AthenaClient> logger)
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

    /// <summary>The retry handler over the signing handler (service "athena") over <paramref name="transport"/>.</summary>
    internal static HttpMessageHandler CreateHandler(
        AWSCredentials? credentials, RegionEndpoint region, HttpMessageHandler transport, AwsOptions options, TimeProvider clock, ILogger logger) =>
        AwsJsonCall.CreateHandler("athena", credentials, region, transport, options, clock, logger);

    internal AthenaClient(HttpMessageHandler handler, Uri endpoint, TimeProvider clock, AwsOptions options)
    {
        _http = new HttpClient(handler) { BaseAddress = endpoint, Timeout = Timeout.InfiniteTimeSpan };
        _clock = clock;
        _options = options;
    }

    internal static Uri ResolveEndpoint(AWSOptions aws) => AwsJsonCall.ResolveEndpoint(aws, "athena");

    /// <summary>Starts <paramref name="sql"/> in the workgroup (whose result location and scan cutoff apply); returns the execution id.</summary>
    public async Task<string> StartQueryExecutionAsync(string sql, string database, string workGroup, string clientRequestToken, CancellationToken cancellationToken)
    {
        var request = new JsonObject
        {
            ["QueryString"] = sql,
            ["ClientRequestToken"] = clientRequestToken,
            ["QueryExecutionContext"] = new JsonObject { ["Database"] = database, ["Catalog"] = "AwsDataCatalog" },
            ["WorkGroup"] = workGroup,
        };
        using var response = await CallAsync("StartQueryExecution", request, cancellationToken);
        return response.RootElement.GetProperty("QueryExecutionId").GetString()!;
    }

    public async Task<AthenaQueryState> GetQueryExecutionAsync(string queryExecutionId, CancellationToken cancellationToken)
    {
        using var response = await CallAsync("GetQueryExecution", new JsonObject { ["QueryExecutionId"] = queryExecutionId }, cancellationToken);
        var execution = response.RootElement.GetProperty("QueryExecution");
        var status = execution.GetProperty("Status");
        var scanned = execution.TryGetProperty("Statistics", out var statistics) && statistics.TryGetProperty("DataScannedInBytes", out var bytes)
            ? bytes.GetInt64()
            : 0;
        return new AthenaQueryState(
            status.GetProperty("State").GetString()!,
            status.TryGetProperty("StateChangeReason", out var reason) ? reason.GetString() : null,
            scanned);
    }

    /// <summary>One page of results: rows of nullable strings (a SELECT's first page starts with the header row) and the next page's token.</summary>
    public async Task<(List<string?[]> Rows, string? NextToken)> GetQueryResultsAsync(string queryExecutionId, string? nextToken, CancellationToken cancellationToken)
    {
        var request = new JsonObject { ["QueryExecutionId"] = queryExecutionId, ["MaxResults"] = 1000 };
        if (nextToken is not null)
        {
            request["NextToken"] = nextToken;
        }

        using var response = await CallAsync("GetQueryResults", request, cancellationToken);
        var rows = new List<string?[]>();
        if (response.RootElement.TryGetProperty("ResultSet", out var set) && set.TryGetProperty("Rows", out var items))
        {
            foreach (var row in items.EnumerateArray())
            {
                rows.Add([.. row.GetProperty("Data").EnumerateArray().Select(d => d.TryGetProperty("VarCharValue", out var v) ? v.GetString() : null)]);
            }
        }

        return (rows, response.RootElement.TryGetProperty("NextToken", out var token) ? token.GetString() : null);
    }

    private Task<JsonDocument> CallAsync(string action, JsonObject body, CancellationToken cancellationToken) =>
        AwsJsonCall.SendAsync(_http, "Athena", "AmazonAthena." + action, JsonSerializer.SerializeToUtf8Bytes(body),
            _clock.GetUtcNow() + _options.PublishRetryBudget, (status, error) => new AthenaException(status, error.Type, error.Message), cancellationToken);

    public void Dispose() => _http.Dispose();
}

/// <summary>A query's state (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED), why it changed, and the bytes it scanned.</summary>
internal sealed record AthenaQueryState(string State, string? Reason, long ScannedBytes)
{
    public bool IsFinished => State is "SUCCEEDED" or "FAILED" or "CANCELLED";
}

/// <summary>An Athena call answered with an error status after retries.</summary>
internal sealed class AthenaException(int statusCode, string errorType, string message)
    : Exception($"Athena answered {statusCode} {errorType}: {message}")
{
    public int StatusCode { get; } = statusCode;

    public string ErrorType { get; } = errorType;
}
