using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Net.Http.Headers;

namespace Cortex.Api.Hosting;

public static class ProblemDetailsExtensions
{
    /// <summary>RFC 9457 bodies for every error, snake_case JSON and the exception handler.</summary>
    public static IHostApplicationBuilder AddCortexProblemDetails(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;

            // Routing answers these itself with an empty body (for 415: the endpoints' Accepts
            // metadata); say what went wrong, as the handlers' own problems do.
            context.ProblemDetails.Detail ??= context.ProblemDetails.Status switch
            {
                StatusCodes.Status404NotFound => "No resource exists at this path.",
                StatusCodes.Status405MethodNotAllowed => $"The method {context.HttpContext.Request.Method} is not allowed on this path.",
                StatusCodes.Status415UnsupportedMediaType => "The request body must be JSON: send Content-Type: application/json.",
                _ => null,
            };
            context.ProblemDetails.Extensions["request_id"] = context.HttpContext.TraceIdentifier;
            if (Activity.Current is { } activity)
            {
                context.ProblemDetails.Extensions["trace_id"] = activity.TraceId.ToString();
            }
        });
        builder.Services.AddExceptionHandler<CortexExceptionHandler>();
        builder.Services.Configure<JsonOptions>(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            options.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
            options.SerializerOptions.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        });
        return builder;
    }

    /// <summary>Error handling first, then the headers every response carries.</summary>
    public static WebApplication UseCortexErrorHandling(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(static (context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                var headers = ((HttpContext)state).Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.CacheControl = "no-store";
                return Task.CompletedTask;
            }, context);
            return next(context);
        });
        return app;
    }
}

/// <summary>Maps the few exceptions that escape handlers to problem responses; 500 never shows internals.</summary>
internal sealed class CortexExceptionHandler(
    IProblemDetailsService problems, IHostEnvironment environment, ILogger<CortexExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
            context.Response.StatusCode = 499;
            return true;
        }

        var (status, title, detail) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, "Bad request", bad.Message),
            Ports.ServiceOverloadedException overloaded => (StatusCodes.Status503ServiceUnavailable, "Service unavailable", overloaded.Message),
            _ => (StatusCodes.Status500InternalServerError, "Internal server error",
                environment.IsDevelopment() ? exception.ToString() : "An unexpected error occurred. Quote the request_id when reporting it."),
        };

        if (status == StatusCodes.Status500InternalServerError)
        {
            logger.LogError(exception, "Unhandled exception for {Method} {Path}", context.Request.Method, context.Request.Path);
        }

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers[HeaderNames.RetryAfter] = "1";
        }

        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
