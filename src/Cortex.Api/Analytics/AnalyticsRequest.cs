using System.Text.Json;

namespace Cortex.Api.Analytics;

/// <summary>The body of POST /analytics/jobs: an operation and its parameters (see docs/api.md).</summary>
public sealed record AnalyticsRequest(string? Operation, JsonElement? Parameters);
