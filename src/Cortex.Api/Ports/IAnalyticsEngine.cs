namespace Cortex.Api.Ports;

/// <summary>
/// Runs analytics queries: SQL over SQLite (Embedded) or Athena over the data lake (Aws). Both
/// answer every operation with the same tables; percentiles are nearest-rank in both.
/// </summary>
public interface IAnalyticsEngine
{
    /// <summary>What <paramref name="query"/> would read, checked against the engine's budget before a job is accepted.</summary>
    Task<ScanEstimate> EstimateAsync(AnalyticsQuery query, CancellationToken cancellationToken);

    /// <summary>Runs the query to the end. Throws <see cref="AnalyticsFailedException"/> with a message for the caller when the engine refuses it.</summary>
    Task<AnalyticsResult> RunAsync(AnalyticsQuery query, CancellationToken cancellationToken);
}

/// <summary>A query the engine could not answer, with a reason that is safe to show the job's owner.</summary>
public sealed class AnalyticsFailedException(string message, Exception? inner = null) : Exception(message, inner);
