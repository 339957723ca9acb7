using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Cortex.Api.Query;

/// <summary>Documents the query string of GET /events, which <see cref="QueryRequest"/> binds by hand.</summary>
internal sealed class QueryParametersFilter : IOperationFilter
{
    private static readonly (string Name, JsonSchemaType Type, string Description)[] Parameters =
    [
        ("source", JsonSchemaType.String, "Only events from this source."),
        ("event_type", JsonSchemaType.String, "Only events of this type, e.g. cpu_usage."),
        ("severity", JsonSchemaType.String, "info, warning or critical."),
        ("from", JsonSchemaType.String, "Earliest timestamp, inclusive (RFC 3339 with Z or an offset)."),
        ("to", JsonSchemaType.String, "Latest timestamp, exclusive (RFC 3339 with Z or an offset)."),
        ("limit", JsonSchemaType.Integer, "Page size, 1-1000 (default 100)."),
        ("cursor", JsonSchemaType.String, "next_cursor of the previous page, with the same filters."),
    ];

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (!context.MethodInfo.GetParameters().Any(p => p.ParameterType == typeof(QueryRequest)))
        {
            return;
        }

        operation.Parameters ??= [];
        foreach (var (name, type, description) in Parameters)
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = name,
                In = ParameterLocation.Query,
                Description = description,
                Schema = new OpenApiSchema { Type = type },
            });
        }
    }
}
