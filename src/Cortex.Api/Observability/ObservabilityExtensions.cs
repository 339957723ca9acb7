using Cortex.Api.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Cortex.Api.Observability;

public static class ObservabilityExtensions
{
    /// <summary>
    /// OpenTelemetry traces and metrics. Traces: ASP.NET Core server spans, HttpClient client
    /// spans (EventBridge and the AWS SDK) and Cortex's own spans, exported over OTLP when an
    /// endpoint is set. Metrics: Prometheus at /metrics locally, EMF lines in Lambda, OTLP if set.
    /// </summary>
    public static IHostApplicationBuilder AddCortexObservability(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ObservabilityOptions>()
            .BindConfiguration(ObservabilityOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.HasUsableOtlpEndpoint(), "Cortex:Observability:OtlpEndpoint must be an absolute http or https URL.")
            .ValidateOnStart();

        // The exporters are chosen while the host is composed, so the settings are read here too;
        // the validation above still fails the start if they are wrong.
        var options = Read(builder.Configuration);
        var inLambda = InLambda(builder.Configuration);
        var tracing = options.OtlpEndpoint is not null || options.Tracing;

        builder.Services.AddSingleton<CortexMetrics>();
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("cortex"));

        // Without an exporter, recording every span would only cost throughput.
        if (tracing)
        {
            telemetry.WithTracing(traces =>
            {
                traces.AddSource(CortexDiagnostics.Name)
                    .AddAspNetCoreInstrumentation(o => o.Filter = context =>
                        !context.Request.Path.StartsWithSegments("/health") && !context.Request.Path.StartsWithSegments("/metrics"))
                    .AddHttpClientInstrumentation();
                if (options.OtlpEndpoint is not null)
                {
                    traces.AddOtlpExporter(o => o.Endpoint = options.OtlpEndpoint);
                }
            });
        }

        telemetry.WithMetrics(metrics =>
        {
            metrics.AddMeter(CortexDiagnostics.Name).AddAspNetCoreInstrumentation();
            if (options.Prometheus ?? !inLambda)
            {
                metrics.AddPrometheusExporter();
            }

            if (options.EmbeddedMetricFormat ?? inLambda)
            {
                metrics.AddReader(new PeriodicExportingMetricReader(
                    new EmfMetricExporter(Console.Out, options.EmfNamespace), (int)options.EmfInterval.TotalMilliseconds)
                {
                    TemporalityPreference = MetricReaderTemporalityPreference.Delta,
                });
            }

            // With EMF (Lambda) the metrics already reach CloudWatch; the ADOT collector there has
            // a traces pipeline only (terraform/lambda/collector.yaml).
            if (options.OtlpEndpoint is not null && !(options.EmbeddedMetricFormat ?? inLambda))
            {
                metrics.AddOtlpExporter(o => o.Endpoint = options.OtlpEndpoint);
            }
        });
        return builder;
    }

    /// <summary>The Prometheus scrape endpoint, for operators only (scope events:admin).</summary>
    public static WebApplication MapCortexObservability(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<ObservabilityOptions>>().Value;
        var inLambda = app.Services.GetRequiredService<IOptions<LambdaOptions>>().Value.Enabled;
        if (options.Prometheus ?? !inLambda)
        {
            // The exporter's endpoint takes every method; a scrape is GET (or HEAD), anything else 405.
            app.MapPrometheusScrapingEndpoint("/metrics")
                .WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]))
                .RequireAuthorization(Scopes.Admin);
        }

        if (inLambda)
        {
            // One process per execution environment: its start is a cold start.
            app.Services.GetRequiredService<CortexMetrics>().ColdStarts.Add(1);
        }

        return app;
    }

    private static ObservabilityOptions Read(IConfiguration configuration) =>
        configuration.GetSection(ObservabilityOptions.SectionName).Get<ObservabilityOptions>() ?? new ObservabilityOptions();

    private static bool InLambda(IConfiguration configuration) =>
        configuration.GetSection(LambdaOptions.SectionName).Get<LambdaOptions>()?.Enabled ?? false;
}
