using System.Diagnostics.Metrics;

namespace Cortex.Api.Observability;

/// <summary>
/// Cortex's metric instruments, created from the host's IMeterFactory so each app instance
/// (and each test host) has its own meter.
/// </summary>
public sealed class CortexMetrics
{
    public CortexMetrics(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(CortexDiagnostics.Name);
        EventsAccepted = Meter.CreateCounter<long>("cortex.events.accepted", "{event}", "Events durably handed off.");
        EventsRejected = Meter.CreateCounter<long>("cortex.events.rejected", "{event}", "Events refused, by reason.");
        EventsFailed = Meter.CreateCounter<long>("cortex.events.failed", "{event}", "Events not handed off for a transient reason.");
        PublishDuration = Meter.CreateHistogram<double>("cortex.publish.duration", "s", "Time to hand one request's events off.");
        ConsumerBatchSize = Meter.CreateHistogram<long>("cortex.consumer.batch.size", "{message}", "Messages per consumed batch.");
        ConsumerFailures = Meter.CreateCounter<long>("cortex.consumer.failures", "{message}", "Messages reported as failed.");
        ConsumerDuplicates = Meter.CreateCounter<long>("cortex.consumer.duplicates", "{message}", "Messages whose event was already stored.");
        EndToEndLag = Meter.CreateHistogram<double>("cortex.events.lag", "s", "From ingested_at to stored.");
        ColdStarts = Meter.CreateCounter<long>("cortex.lambda.cold_starts", "{start}", "Lambda execution environments started.");
    }

    public Meter Meter { get; }

    public Counter<long> EventsAccepted { get; }

    public Counter<long> EventsRejected { get; }

    public Counter<long> EventsFailed { get; }

    public Histogram<double> PublishDuration { get; }

    public Histogram<long> ConsumerBatchSize { get; }

    public Counter<long> ConsumerFailures { get; }

    public Counter<long> ConsumerDuplicates { get; }

    public Histogram<double> EndToEndLag { get; }

    public Counter<long> ColdStarts { get; }

    public void Rejected(long count, string reason) =>
        EventsRejected.Add(count, new KeyValuePair<string, object?>("reason", reason));
}
