using Microsoft.OpenApi;

namespace Cortex.Api.Hosting;

public static class SwaggerExtensions
{
    public static IHostApplicationBuilder AddCortexSwagger(this IHostApplicationBuilder builder)
    {
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
            options.AddSecurityRequirement(document => new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference("Bearer", document)] = [],
            });
        });
        return builder;
    }

    /// <summary>Swagger UI at /swagger when Cortex:Swagger:Enabled (true in Development).</summary>
    public static WebApplication UseCortexSwagger(this WebApplication app)
    {
        if (app.Configuration.GetValue("Cortex:Swagger:Enabled", app.Environment.IsDevelopment()))
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
