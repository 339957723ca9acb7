using System.Reflection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.AspNetCore;
using Serilog.Events;
using Serilog.Extensions.Hosting;
using Serilog.Extensions.Logging;
using Serilog.Formatting.Compact;
using Serilog.Settings.Configuration;
using Serilog.Sinks.SystemConsole.Themes;

namespace Cortex.Api.Hosting;

public static class LoggingExtensions
{
    /// <summary>The status logged for a client that went away before it could be answered (nginx's convention).</summary>
    public const int ClientClosedRequest = 499;

    /// <summary>
    /// The Serilog assemblies the package ships, named instead of searched for: the search reads
    /// the dependency manifest at start-up. These are the assemblies it finds, so the same
    /// Serilog configuration keys (sinks, enrichers, formatters) keep working.
    /// </summary>
    internal static readonly Assembly[] SerilogAssemblies =
    [
        typeof(Log).Assembly,
        typeof(ConsoleTheme).Assembly,
        typeof(FileLoggerConfigurationExtensions).Assembly,
        typeof(LoggerSinkConfigurationDebugExtensions).Assembly,
        typeof(CompactJsonFormatter).Assembly,
        typeof(ConfigurationReaderOptions).Assembly,
        typeof(SerilogLoggerFactory).Assembly,
        typeof(DiagnosticContext).Assembly,
        typeof(RequestLoggingOptions).Assembly,
    ];

    /// <summary>
    /// Serilog, one JSON object per line on stdout (CloudWatch-friendly). Every line written while
    /// handling a request carries its RequestId (from ASP.NET's scope) and its trace and span ids.
    /// </summary>
    public static IHostApplicationBuilder AddCortexLogging(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<LoggingOptions>()
            .BindConfiguration(LoggingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RefusedRequestLogSampler>();
        builder.Services.AddSerilog((services, logger) => logger
            .ReadFrom.Configuration(builder.Configuration, new ConfigurationReaderOptions(SerilogAssemblies))
            .ReadFrom.Services(services)
            .Filter.With(services.GetRequiredService<RefusedRequestLogSampler>())
            .Enrich.FromLogContext()
            .Enrich.WithProperty("Application", "cortex")
            .WriteTo.Console(new RenderedCompactJsonFormatter()),
            // Each host logs through its own logger, never the static Log.Logger: with several hosts
            // in one process (the tests) the static one belongs to whichever host was built last.
            preserveStaticLogger: true);
        return builder;
    }

    /// <summary>
    /// One line per request. Placed outside the exception handler, so the line shows the status the
    /// client was actually sent (a slow body is a 408, a client gone mid-body a 499), never a 500
    /// guessed from an exception the handler then answered.
    /// </summary>
    public static WebApplication UseCortexRequestLogging(this WebApplication app)
    {
        var successLevel = app.Services.GetRequiredService<IOptions<LoggingOptions>>().Value.SuccessfulRequestLevel;
        app.UseSerilogRequestLogging(options =>
        {
            // This host's own logger, for the same reason as preserveStaticLogger above.
            options.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
            options.GetLevel = (context, _, exception) => context.Response.StatusCode switch
            {
                _ when exception is not null => LogEventLevel.Error,
                >= 500 => LogEventLevel.Error,
                ClientClosedRequest => LogEventLevel.Information,
                >= 400 => LogEventLevel.Warning,
                _ => successLevel,
            };
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
