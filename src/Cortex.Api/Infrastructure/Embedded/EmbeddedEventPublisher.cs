using Cortex.Api.Events;
using Cortex.Api.Ports;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>
/// In Embedded mode there is no bus: publishing is the SQLite commit itself, so an accepted
/// event is already stored. A duplicate event_id is accepted too (first write wins). The
/// message id is the event id, the key the event is stored (or spooled) under.
/// <para>
/// If the commit fails, the events go to the dead-letter spool, which syncs them to disk before
/// it returns: they are then durably handed off, as an event in Aws mode is once EventBridge has
/// it (a later consumer failure lands in the DLQ), and are answered as accepted; a replay stores
/// them by event_id, once. Only when the spool cannot keep them either is the answer a failure to
/// retry: nothing of them is then stored anywhere, so the retry cannot make a second copy.
/// </para>
/// </summary>
internal sealed class EmbeddedEventPublisher(
    SqliteTelemetryStore store, FileDeadLetterSpool deadLetters, ILogger<EmbeddedEventPublisher> logger) : IEventPublisher
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    public async Task<PublishResult> PublishAsync(IReadOnlyList<TelemetryEvent> events, CancellationToken cancellationToken)
    {
        try
        {
            var saved = await store.TrySaveAsync(events, cancellationToken);
            return saved is null
                ? PublishResult.Overloaded(SqliteTelemetryStore.WriteQueueFull, RetryAfter)
                : PublishResult.Completed(Accepted(events));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (await deadLetters.AddAsync(events, ex.Message))
            {
                logger.LogError(ex, "Could not store {Count} events; they are kept in the dead-letter spool and answered as accepted", events.Count);
                return PublishResult.Completed(Accepted(events));
            }

            logger.LogError(ex, "Could not store {Count} events nor spool them; the client is told to retry", events.Count);
            return PublishResult.Completed([.. events.Select(_ => PublishOutcome.Failed("The event could not be stored; retry."))]);
        }
    }

    private static PublishOutcome[] Accepted(IReadOnlyList<TelemetryEvent> events)
    {
        var outcomes = new PublishOutcome[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            outcomes[i] = PublishOutcome.Accepted(events[i].EventIdText);
        }

        return outcomes;
    }
}
