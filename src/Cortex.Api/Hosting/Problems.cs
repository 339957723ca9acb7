using Microsoft.AspNetCore.Http.HttpResults;

namespace Cortex.Api.Hosting;

/// <summary>RFC 9457 problem results used across features, so every error body has one shape.</summary>
internal static class Problems
{
    public static ProblemHttpResult Create(int status, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, extensions: extensions);

    public static ProblemHttpResult Validation(
        IDictionary<string, string[]> errors, int status = StatusCodes.Status422UnprocessableEntity, string? title = null, IDictionary<string, object?>? extensions = null)
    {
        var problem = new HttpValidationProblemDetails(errors)
        {
            Status = status,
            Title = title ?? (status == StatusCodes.Status422UnprocessableEntity
                ? "The event is invalid"
                : "The request is invalid"),
            Detail = "See errors for each field.",
        };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            problem.Extensions[key] = value;
        }

        return TypedResults.Problem(problem);
    }

    /// <summary>A 503 with Retry-After: overload or an unavailable bus.</summary>
    public static ProblemHttpResult Unavailable(HttpContext context, string detail, TimeSpan retryAfter, IDictionary<string, object?>? extensions = null)
    {
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Create(StatusCodes.Status503ServiceUnavailable, "Service unavailable", detail, extensions);
    }
}
