using System.Net.Http.Headers;
using System.Text.Json;
using Cortex.Api.Observability;
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
