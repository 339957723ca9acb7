using System.Net.Http.Headers;
using System.Text.Json;
using Amazon;
using Amazon.Extensions.NETCore.Setup;
using Amazon.Runtime;
using Amazon.Runtime.Signing;
using Cortex.Api.Observability;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Timeout;

namespace Cortex.Api.Infrastructure.Aws;

/// <summary>
/// One call of an AWS JSON 1.1 service (EventBridge, Athena) through a client whose handlers
/// retry and sign: the target header, the exact content type, the retry deadline in the call's
/// resilience context, a client span, and the service's error body turned into an exception.
/// </summary>
internal static class AwsJsonCall
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/x-amz-json-1.1");

    /// <summary>
    /// The handler chain of a client of <paramref name="service"/> (the SigV4 signing name), outermost
    /// first: the retry handler (<see cref="AwsRetry.CreateCallPipeline"/>), the signing handler, then
    /// <paramref name="transport"/>. Retries sit outside the signing, so every attempt is signed afresh.
    /// </summary>
    public static HttpMessageHandler CreateHandler(
        string service, AWSCredentials? credentials, RegionEndpoint region, HttpMessageHandler transport, AwsOptions options, TimeProvider clock, ILogger logger) =>
        new ResilienceHandler(AwsRetry.CreateCallPipeline(options, clock, logger))
        {
            InnerHandler = new SigV4SigningHandler(new AWSSigV4Parameters { Service = service, Region = region, Credentials = credentials }, transport),
        };

    /// <summary>The transport of a production client: pooled connections renewed every 5 minutes, no redirects.</summary>
    public static SocketsHttpHandler CreateTransport() =>
        new() { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };

    public static RegionEndpoint ResolveRegion(AWSOptions aws) =>
        aws.Region ?? FallbackRegionFactory.GetRegionEndpoint() ?? RegionEndpoint.USEast1;

    /// <summary>The configured service URL (an emulator), else <c>https://{hostPrefix}.{region}.amazonaws.com/</c>.</summary>
    public static Uri ResolveEndpoint(AWSOptions aws, string hostPrefix)
    {
        var serviceUrl = aws.DefaultClientConfig.ServiceURL;
        return string.IsNullOrEmpty(serviceUrl)
            ? new Uri($"https://{hostPrefix}.{ResolveRegion(aws).SystemName}.amazonaws.com/")
            : new Uri(serviceUrl.EndsWith('/') ? serviceUrl : serviceUrl + "/");
    }

    public static async Task<JsonDocument> SendAsync(
        HttpClient http,
        string service,
        string target,
        byte[] body,
        DateTimeOffset deadline,
        Func<int, AwsJsonError, Exception> error,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, string.Empty);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = JsonContentType;
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(AwsRetry.Deadline, deadline);
        request.SetResilienceContext(context);

        using var activity = CortexDiagnostics.StartAwsClientSpan(service, target[(target.LastIndexOf('.') + 1)..]);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw error((int)response.StatusCode, await AwsJsonError.ReadAsync(response, cancellationToken));
            }

            // Some actions (DeleteRule, DeleteEventBus) answer with an empty body.
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            return JsonDocument.Parse(bytes.Length == 0 ? "{}"u8.ToArray() : bytes);
        }
        catch (TimeoutRejectedException ex)
        {
            activity.RecordFailure(ex);
            throw new TimeoutException($"The {service} call timed out.", ex);
        }
        catch (Exception ex)
        {
            activity.RecordFailure(ex);
            throw;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
