using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Cortex.Api.Hosting;

public static class LoggingExtensions
{
    /// <summary>
    /// Serilog, one JSON object per line on stdout (CloudWatch-friendly). Every line written while
    /// handling a request carries its RequestId (from ASP.NET's scope) and its trace and span ids.
    /// </summary>
    public static IHostApplicationBuilder AddCortexLogging(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSerilog((services, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .ReadFrom.Services(services)
            .Enrich.FromLogContext()
            .Enrich.WithProperty("Application", "cortex")
            .WriteTo.Console(new RenderedCompactJsonFormatter()),
            // Each host logs through its own logger, never the static Log.Logger: with several hosts
            // in one process (the tests) the static one belongs to whichever host was built last.
            preserveStaticLogger: true);
        return builder;
    }

    public static WebApplication UseCortexRequestLogging(this WebApplication app)
    {
        app.UseSerilogRequestLogging(options =>
        {
            // This host's own logger, for the same reason as preserveStaticLogger above.
            options.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
            // Successful requests log at the configured level (Debug in production keeps the hot path quiet).
            var successLevel = app.Configuration.GetValue("Cortex:Logging:SuccessfulRequestLevel", LogEventLevel.Information);
            options.GetLevel = (context, _, exception) =>
                exception is not null || context.Response.StatusCode >= 500 ? LogEventLevel.Error
                : context.Response.StatusCode >= 400 ? LogEventLevel.Warning
                : successLevel;
            options.EnrichDiagnosticContext = (diagnostics, context) =>
            {
                diagnostics.Set("RequestId", context.TraceIdentifier);
                var subject = context.User.FindFirst("sub")?.Value;
                if (subject is not null)
                {
                    diagnostics.Set("Subject", subject);
                }
            };
        });
        return app;
    }
}
