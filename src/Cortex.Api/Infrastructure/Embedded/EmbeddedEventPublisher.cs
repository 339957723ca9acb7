using Cortex.Api.Events;
using Cortex.Api.Ports;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>
/// In Embedded mode there is no bus: publishing is the SQLite commit itself, so an accepted
/// event is already stored. A duplicate event_id is accepted too (first write wins).
/// </summary>
internal sealed class EmbeddedEventPublisher(
    SqliteTelemetryStore store, FileDeadLetterSpool deadLetters, TimeProvider clock, ILogger<EmbeddedEventPublisher> logger) : IEventPublisher
{
    public async Task<IReadOnlyList<PublishOutcome>> PublishAsync(IReadOnlyList<TelemetryEvent> events, CancellationToken cancellationToken)
    {
        try
        {
            var saved = await store.SaveAsync(events, cancellationToken);
            var outcomes = new PublishOutcome[saved.Count];
            var now = clock.GetUtcNow();
            for (var i = 0; i < saved.Count; i++)
            {
                outcomes[i] = PublishOutcome.Accepted(Uuid7.New(now).ToString("D"));
            }

            return outcomes;
        }
        catch (ServiceOverloadedException)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The commit failed: nothing of this request is stored and the client is told to
            // retry; the events are also kept in the dead-letter spool for an operator to replay.
            logger.LogError(ex, "Could not store {Count} events; they are kept in the dead-letter spool", events.Count);
            await deadLetters.AddAsync(events, ex.Message);
            return [.. events.Select(_ => PublishOutcome.Failed("The event could not be stored; retry."))];
        }
    }
}
