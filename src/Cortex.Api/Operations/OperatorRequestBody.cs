using System.Text.Json;
using System.Text.Json.Serialization;
using Cortex.Api.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cortex.Api.Operations;

/// <summary>
/// Reads an operator request body by the rules event bodies follow: one JSON object, no key twice
/// at any depth, no trailing content, values of the declared type (no numbers as strings).
/// Unknown keys are ignored, as in events.
/// </summary>
internal static class OperatorRequestBody
{
    /// <summary>Operator bodies are a few fields; anything larger is not one.</summary>
    public const int MaxBytes = 16 * 1024;

    private static readonly JsonDocumentOptions DocumentOptions = new() { AllowDuplicateProperties = false, MaxDepth = 16 };

    private static readonly JsonSerializerOptions SerializerOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.Strict,
        AllowDuplicateProperties = false,
    };

    /// <summary>The body as <typeparamref name="T"/>; null with no problem when the body is empty.</summary>
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentLength == 0 || request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            return (null, null);
        }

        if (!request.HasJsonContentType())
        {
            return (null, Problems.Create(StatusCodes.Status415UnsupportedMediaType,
                "Unsupported media type", "The request body must be JSON: send Content-Type: application/json."));
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = MaxBytes;
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, DocumentOptions, cancellationToken);
        }
        catch (JsonException ex)
        {
            return (null, Problems.Create(StatusCodes.Status400BadRequest, "Bad request",
                $"The body must be one JSON object, with no duplicate keys and nothing after it (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})."));
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, Problems.Create(StatusCodes.Status400BadRequest, "Bad request", "The body must be a JSON object."));
            }

            try
            {
                return (document.RootElement.Deserialize<T>(SerializerOptions), null);
            }
            catch (JsonException ex)
            {
                var field = ex.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "$";
                return (null, Problems.Validation(
                    new Dictionary<string, string[]> { [field] = [$"{field} has the wrong type."] }, StatusCodes.Status400BadRequest));
            }
        }
    }
}
