using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Cortex.Api.Hosting;

/// <summary>
/// Cortex's limits on the request target and headers, answered by the app so the answer is a
/// problem+json with the usual headers. Kestrel answers what breaks its own limits with an empty
/// body and no way to change it, so its limits sit at twice Cortex's: only a request far past the
/// documented limit, or one Kestrel cannot parse at all, gets Kestrel's bare answer.
/// </summary>
public static class RequestLimits
{
    /// <summary>The longest request target (path and query) Cortex answers.</summary>
    public const int MaxTargetBytes = 8 * 1024;

    /// <summary>The most header bytes (names, values and separators) Cortex answers.</summary>
    public const int MaxHeaderBytes = 32 * 1024;

    public static IHostApplicationBuilder AddCortexRequestLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<KestrelServerOptions>(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestLineSize = 2 * MaxTargetBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 2 * MaxHeaderBytes;
        });
        return builder;
    }

    /// <summary>Answers 414 and 431 before anything else reads the request.</summary>
    public static WebApplication UseCortexRequestLimits(this WebApplication app)
    {
        app.Use(static async (context, next) =>
        {
            var (status, detail) = Check(context);
            if (status == 0)
            {
                await next(context);
                return;
            }

            context.Response.StatusCode = status;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = { Status = status, Detail = detail },
            });
        });
        return app;
    }

    private static (int Status, string? Detail) Check(HttpContext context)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (target is not null && target.Length > MaxTargetBytes)
        {
            return (StatusCodes.Status414UriTooLong, $"The request target (path and query) is longer than {MaxTargetBytes} bytes.");
        }

        var headerBytes = 0L;
        foreach (var (name, values) in context.Request.Headers)
        {
            foreach (var value in values)
            {
                headerBytes += name.Length + (value?.Length ?? 0) + 4; // ": " and CRLF
            }
        }

        return headerBytes > MaxHeaderBytes
            ? (StatusCodes.Status431RequestHeaderFieldsTooLarge, $"The request headers are larger than {MaxHeaderBytes} bytes.")
            : (0, null);
    }
}
