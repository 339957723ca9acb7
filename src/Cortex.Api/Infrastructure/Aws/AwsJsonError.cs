using System.Text.Json;

namespace Cortex.Api.Infrastructure.Aws;

/// <summary>The error body of an AWS JSON 1.1 service: {"__type": "...", "message": "..."}.</summary>
internal readonly record struct AwsJsonError(string Type, string Message)
{
    public static async Task<AwsJsonError> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            var type = root.TryGetProperty("__type", out var t) ? t.GetString() ?? string.Empty : string.Empty;

            // "__type" may be namespaced ("com.amazon...#ThrottlingException").
            type = type[(type.LastIndexOf('#') + 1)..];
            var message = root.TryGetProperty("message", out var m) || root.TryGetProperty(nameof(Message), out m) ? m.GetString() ?? string.Empty : string.Empty;
            return new AwsJsonError(type, message);
        }
        catch (JsonException)
        {
            return new AwsJsonError(string.Empty, text.Length > 200 ? text[..200] : text);
        }
    }

    public static bool IsThrottling(string type) =>
        type is "ThrottlingException" or "Throttling" or "TooManyRequestsException" or "RequestLimitExceeded";
}

/// <summary>An EventBridge call answered with an error status after retries.</summary>
internal sealed class EventBridgeException(int statusCode, string errorType, string message)
    : Exception($"EventBridge answered {statusCode} {errorType}: {message}")
{
    public int StatusCode { get; } = statusCode;

    public string ErrorType { get; } = errorType;

    public bool IsTransient => StatusCode >= 500 || StatusCode == 429 || AwsJsonError.IsThrottling(ErrorType);
}
