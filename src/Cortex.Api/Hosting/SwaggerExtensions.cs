using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Cortex.Api.Hosting;

public static class SwaggerExtensions
{
    public static IHostApplicationBuilder AddCortexSwagger(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SwaggerOptions>().BindConfiguration(SwaggerOptions.SectionName).ValidateOnStart();
        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "Cortex telemetry ingestion API",
                Version = "v1",
                Description = "Mint a token with `dotnet run --project src/Cortex.Api -- token`, press Authorize and paste it.",
            });
            options.AddSecurityDefinition("Bearer", new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A JWT with the scopes events:write, events:read or events:admin.",
            });
            options.OperationFilter<BearerRequirementFilter>();
        });
        return builder;
    }

    /// <summary>Swagger UI at /swagger when Cortex:Swagger:Enabled (true in Development).</summary>
    public static WebApplication UseCortexSwagger(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<SwaggerOptions>>().Value.Enabled ?? app.Environment.IsDevelopment())
        {
            app.UseSwagger();
            app.UseSwaggerUI(options =>
            {
                options.DocumentTitle = "Cortex API";
                options.EnablePersistAuthorization();
            });
        }

        return app;
    }
}

/// <summary>Marks only the operations that need a token, so anonymous health endpoints show no lock.</summary>
internal sealed class BearerRequirementFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<IAllowAnonymous>().Any() || !metadata.OfType<IAuthorizeData>().Any())
        {
            return;
        }

        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference("Bearer", context.Document)] = [],
        });
        operation.Responses ??= [];
        operation.Responses.TryAdd("401", new OpenApiResponse { Description = "Missing, invalid or expired token" });
        operation.Responses.TryAdd("403", new OpenApiResponse { Description = "The token lacks the required scope" });
    }
}
