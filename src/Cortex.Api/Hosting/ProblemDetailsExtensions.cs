using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace Cortex.Api.Hosting;

public static class ProblemDetailsExtensions
{
    /// <summary>RFC 9457 bodies for every error, snake_case JSON and the exception handler.</summary>
    public static IHostApplicationBuilder AddCortexProblemDetails(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;

            // The framework has a type only for some statuses; these are the others Cortex answers.
            context.ProblemDetails.Type ??= context.ProblemDetails.Status switch
            {
                StatusCodes.Status413PayloadTooLarge => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
                StatusCodes.Status414UriTooLong => "https://tools.ietf.org/html/rfc9110#section-15.5.15",
                StatusCodes.Status429TooManyRequests => "https://tools.ietf.org/html/rfc6585#section-4",
                StatusCodes.Status431RequestHeaderFieldsTooLarge => "https://tools.ietf.org/html/rfc6585#section-5",
                _ => "about:blank",
            };

            // Routing and parameter binding answer these with an empty body (for 415: the
            // endpoints' Accepts metadata); say what went wrong, as the handlers' own problems do.
            context.ProblemDetails.Detail ??= context.ProblemDetails.Status switch
            {
                StatusCodes.Status400BadRequest => "The request is malformed: a route value, query parameter, header or the body could not be read.",
                StatusCodes.Status404NotFound => "No resource exists at this path.",
                StatusCodes.Status405MethodNotAllowed => $"The method {context.HttpContext.Request.Method} is not allowed on this path.",
                StatusCodes.Status408RequestTimeout => "The request did not arrive in time.",
                StatusCodes.Status415UnsupportedMediaType => "The request body must be JSON: send Content-Type: application/json.",
                _ => context.ProblemDetails.Title,
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
    private static readonly TimeSpan AbortGrace = TimeSpan.FromMilliseconds(100);

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is BadHttpRequestException && !context.RequestAborted.IsCancellationRequested)
        {
            // Kestrel throws for a body that ended early (the client closed the connection) a
            // moment before it marks the request aborted: give that mark a short while to land, so
            // a client that went away is not answered (and logged) as a bad request.
            await WaitForAbortAsync(context.RequestAborted);
        }

        if (IsClientAbort(context, exception))
        {
            // The client went away (closed the connection mid-body or gave up waiting): nobody is
            // left to answer, and it is not a server fault.
            context.Response.StatusCode = LoggingExtensions.ClientClosedRequest;
            return true;
        }

        var (status, title, detail) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, ReasonPhrases.GetReasonPhrase(bad.StatusCode), bad.Message),
            _ => (StatusCodes.Status500InternalServerError, "Internal server error",
                environment.IsDevelopment() ? exception.ToString() : "An unexpected error occurred. Quote the request_id when reporting it."),
        };

        if (status == StatusCodes.Status500InternalServerError)
        {
            logger.LogError(exception, "Unhandled exception for {Method} {Path}", context.Request.Method, context.Request.Path);
        }

        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    private static async Task WaitForAbortAsync(CancellationToken aborted)
    {
        try
        {
            await Task.Delay(AbortGrace, aborted);
        }
        catch (OperationCanceledException)
        {
            // Aborted: the client is gone, which is what the caller checks next.
        }
    }

    private static bool IsClientAbort(HttpContext context, Exception exception) =>
        context.RequestAborted.IsCancellationRequested
        && exception is OperationCanceledException or IOException
            or BadHttpRequestException { StatusCode: not StatusCodes.Status408RequestTimeout };
}
