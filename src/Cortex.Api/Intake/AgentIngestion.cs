using Cortex.Api.Events;
using Cortex.Api.Ingestion;
using Cortex.Api.Observability;
using Cortex.Api.Ports;

namespace Cortex.Api.Intake;

/// <summary>
/// Hands an agent's mapped records to the ingestion path of POST /events/batch: each record is
/// built as the submission <see cref="EventReader"/> would read from its JSON
/// (<see cref="AgentEvent.ToSubmission"/>) and validated and published by <see cref="EventIngestor"/>,
/// so an agent's event is held to exactly the rules of a client's. Records that could not be
/// mapped, or that ingestion rejects, are counted and logged, never stored in part.
/// </summary>
internal sealed partial class AgentIngestion(EventIngestor ingestor, CortexMetrics metrics, ILogger<AgentIngestion> logger)
{
    /// <summary>How many rejection reasons a response and a log line name.</summary>
    public const int ReasonsShown = 3;

    public async Task<AgentIngestResult> IngestAsync(
        string agent, IReadOnlyList<MappedRecord> records, HttpContext context, CancellationToken cancellationToken)
    {
        var reasons = new List<string>(ReasonsShown);
        var submissions = new List<EventSubmission>(records.Count);
        var recordIndexes = new List<int>(records.Count);
        var unmappable = 0;
        for (var i = 0; i < records.Count; i++)
        {
            if (records[i].Submission is not { } submission)
            {
                unmappable++;
                AddReason(reasons, i, records[i].Problem ?? "The record could not be mapped.");
                continue;
            }

            submissions.Add(submission);
            recordIndexes.Add(i);
        }

        if (unmappable > 0)
        {
            metrics.Rejected(unmappable, "unmappable");
        }

        int accepted = 0, rejected = unmappable, failed = 0;
        if (submissions.Count > 0)
        {
            var ingested = await ingestor.IngestAsync(submissions, context, cancellationToken);
            if (ingested.Overload is { } overload)
            {
                return new AgentIngestResult(records.Count, 0, 0, records.Count, reasons, overload);
            }

            var results = ingested.Items;
            for (var j = 0; j < results.Count; j++)
            {
                switch (results[j].Status)
                {
                    case ItemResult.AcceptedStatus:
                        accepted++;
                        break;
                    case ItemResult.RejectedStatus:
                        rejected++;
                        var (field, messages) = results[j].Errors!.First();
                        AddReason(reasons, recordIndexes[j], $"{field}: {messages[0]}");
                        break;
                    default:
                        failed++;
                        break;
                }
            }
        }

        if (rejected > 0)
        {
            LogRejected(agent, rejected, records.Count, string.Join("; ", reasons));
        }

        return new AgentIngestResult(records.Count, accepted, rejected, failed, reasons, null);
    }

    private static void AddReason(List<string> reasons, int index, string reason)
    {
        if (reasons.Count < ReasonsShown)
        {
            reasons.Add($"record {index}: {reason}");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Agent} request: {Rejected} of {Records} records rejected; first reasons: {Reasons}")]
    private partial void LogRejected(string agent, int rejected, int records, string reasons);
}

/// <summary>What became of an agent's records: counts, the first rejection reasons, or an overloaded sink.</summary>
internal sealed record AgentIngestResult(int Records, int Accepted, int Rejected, int Failed, IReadOnlyList<string> Reasons, Overload? Overload);
