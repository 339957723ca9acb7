using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Hosting;

/// <summary>
/// The caller's address when Cortex runs behind the Lambda Web Adapter. There every request reaches
/// Kestrel from the adapter on loopback; the caller's address is in the API Gateway request context
/// the adapter copies into <see cref="RequestContextHeader"/>, overwriting any header a caller sent.
/// Outside Lambda the header is ignored: anyone could send it.
/// </summary>
public static class ClientAddress
{
    /// <summary>The adapter's copy of the API Gateway request context; the literal <c>null</c> for non-HTTP events.</summary>
    public const string RequestContextHeader = "x-amzn-request-context";

    /// <summary>True when the request came through API Gateway (a real context, not the adapter's <c>null</c>).</summary>
    public static bool CarriesApiGatewayContext(HttpRequest request) =>
        request.Headers.TryGetValue(RequestContextHeader, out var values)
        && !string.Equals(values.ToString().Trim(), "null", StringComparison.Ordinal);

    /// <summary>Sets Connection.RemoteIpAddress to the caller's address when Cortex:Lambda:Enabled is true.</summary>
    public static WebApplication UseCortexClientAddress(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<LambdaOptions>>().Value.Enabled)
        {
            return app;
        }

        app.Use(static (context, next) =>
        {
            // Only the adapter, on loopback, can have written the header.
            if (context.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote)
                && FromRequestContext(context.Request) is { } caller)
            {
                context.Connection.RemoteIpAddress = caller;
            }

            return next(context);
        });
        return app;
    }

    /// <summary>
    /// The source IP of an API Gateway request context: <c>identity.sourceIp</c> (REST API) or
    /// <c>http.sourceIp</c> (HTTP API, payload 2.0). Null when absent, unreadable or not an address.
    /// </summary>
    internal static IPAddress? FromRequestContext(HttpRequest request)
    {
        if (!request.Headers.TryGetValue(RequestContextHeader, out var values) || values.Count != 1 || values[0] is not { Length: > 0 } json)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var sourceIp = SourceIp(root, "identity") ?? SourceIp(root, "http");
            return IPAddress.TryParse(sourceIp, out var address) ? address : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? SourceIp(JsonElement root, string section) =>
        root.TryGetProperty(section, out var element)
        && element.ValueKind == JsonValueKind.Object
        && element.TryGetProperty("sourceIp", out var ip)
        && ip.ValueKind == JsonValueKind.String
            ? ip.GetString()
            : null;
}
