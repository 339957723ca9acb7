using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Cortex.Api.Analytics;

/// <summary>One example request per operation on POST /analytics/jobs, the same as docs/api.md shows.</summary>
internal sealed class AnalyticsExamplesFilter : IOperationFilter
{
    private static readonly (string Name, string Summary, string Body)[] Examples =
    [
        ("summary", "Counts by event_type and severity, distinct sources, first and last timestamp",
            """{"operation":"summary","parameters":{"from":"2026-11-28T00:00:00Z","to":"2026-11-29T00:00:00Z"}}"""),
        ("counts", "Critical events per source per hour",
            """{"operation":"counts","parameters":{"from":"2026-11-28T00:00:00Z","to":"2026-11-29T00:00:00Z","severity":"critical","group_by":["source"],"bucket":"1h"}}"""),
        ("metric", "p50/p95 of data.cpu_percent per region per hour",
            """{"operation":"metric","parameters":{"from":"2026-11-28T00:00:00Z","to":"2026-11-29T00:00:00Z","event_type":"cpu_usage","field":"data.cpu_percent","group_by":["region"],"bucket":"1h"}}"""),
        ("top_sources", "The 10 sources with the most critical events",
            """{"operation":"top_sources","parameters":{"from":"2026-11-28T00:00:00Z","to":"2026-11-29T00:00:00Z","severity":"critical","limit":10}}"""),
        ("silent_sources", "Sources seen last week but not today",
            """{"operation":"silent_sources","parameters":{"reference_from":"2026-11-21T00:00:00Z","reference_to":"2026-11-28T00:00:00Z","from":"2026-11-28T00:00:00Z","to":"2026-11-29T00:00:00Z"}}"""),
        ("integrity", "Lake against store, duplicate ids, events ingested more than 5 minutes late",
            """{"operation":"integrity","parameters":{"from":"2026-11-28T00:00:00Z","to":"2026-11-29T00:00:00Z","late_after":"5m"}}"""),
    ];

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (context.MethodInfo.Name != nameof(AnalyticsApi.CreateJobAsync)
            || operation.RequestBody?.Content?.TryGetValue("application/json", out var media) != true || media is null)
        {
            return;
        }

        media.Examples ??= new Dictionary<string, IOpenApiExample>();
        foreach (var (name, summary, body) in Examples)
        {
            media.Examples[name] = new OpenApiExample { Summary = summary, Value = JsonNode.Parse(body) };
        }
    }
}
