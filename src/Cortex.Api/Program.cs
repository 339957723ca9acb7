using Cortex.Api.Consumer;
using Cortex.Api.Health;
using Cortex.Api.Hosting;
using Cortex.Api.Infrastructure;
using Cortex.Api.Ingestion;
using Cortex.Api.Query;

var builder = WebApplication.CreateBuilder(args);

builder.AddCortexLogging();
builder.AddCortexProblemDetails();
builder.AddCortexAuth();
builder.AddCortexStorage();
builder.AddCortexIngestion();
builder.AddCortexQuery();
builder.AddCortexConsumer();
builder.AddCortexSwagger();

var app = builder.Build();

if (TokenCommand.IsInvoked(args))
{
    return TokenCommand.Run(args, app.Services);
}

app.UseCortexErrorHandling();
app.UseCortexRequestLogging();
app.UseCortexSwagger();
app.UseAuthentication();
app.UseRateLimiter();
app.UseAuthorization();

app.MapHealthApi();
app.MapIngestionApi();
app.MapQueryApi();
app.MapConsumerApi();

app.Run();
return 0;
