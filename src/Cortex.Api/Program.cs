using Cortex.Api.Analytics;
using Cortex.Api.Consumer;
using Cortex.Api.Health;
using Cortex.Api.Hosting;
using Cortex.Api.Import;
using Cortex.Api.Infrastructure;
using Cortex.Api.Ingestion;
using Cortex.Api.Intake;
using Cortex.Api.Observability;
using Cortex.Api.Operations;
using Cortex.Api.Query;
using Cortex.Api.SnapStart;

var builder = WebApplication.CreateBuilder(args);

builder.AddCortexLogging();
builder.AddCortexObservability();
builder.AddCortexProblemDetails();
builder.AddCortexRequestLimits();
builder.AddCortexAuth();
builder.AddCortexHealth();
builder.AddCortexStorage();
builder.AddCortexIngestion();
builder.AddCortexImport();
builder.AddCortexIntake();
builder.AddCortexQuery();
builder.AddCortexOperations();
builder.AddCortexAnalytics();
builder.AddCortexConsumer();
builder.AddCortexSnapStart();
builder.AddCortexSwagger();
builder.RemoveUnusedStartupWork();

var app = builder.Build();

if (TokenCommand.IsInvoked(args))
{
    return TokenCommand.Run(args, app.Services);
}

if (!app.TryOpenCortexStorage())
{
    return 1;
}

if (DeadLetterCommand.IsInvoked(args))
{
    return await DeadLetterCommand.RunAsync(args, app.Services);
}

if (ImportCommand.IsInvoked(args))
{
    return await ImportCommand.RunAsync(args, app.Services, Console.Out);
}

app.UseCortexClientAddress();
app.UseCortexRequestLogging();
app.UseCortexErrorHandling();
app.UseCortexRequestLimits();
app.UseCortexSwagger();
app.UseAuthentication();
app.UseRateLimiter();
app.UseAuthorization();

app.MapHealthApi();
app.MapIngestionApi();
app.MapImportApi();
app.MapIntakeApi();
app.MapQueryApi();
app.MapDeadLetterApi();
app.MapAnalyticsApi();
app.MapCortexObservability();
app.MapConsumerApi();
app.MapSnapStartApi();

app.Run();
return 0;
