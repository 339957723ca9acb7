using Cortex.Api.Events;
using Cortex.Api.Observability;
using Cortex.Api.Ports;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>
/// The embedded store behind <see cref="ITelemetryStore"/>: writes go through the one
/// <see cref="SqliteWriter"/> and are answered after their commit (and, with FULL, the WAL sync);
/// reads use pooled connections and may see an event a few milliseconds before its sender is answered.
/// </summary>
internal sealed class SqliteTelemetryStore(SqliteDatabase database, SqliteWriter writer, SqliteDamage damage, TimeProvider clock) : ITelemetryStore
{
    public const string WriteQueueFull = "The embedded store's write queue is full; retry shortly.";

    public string DatabasePath => database.Path;

    public async Task<IReadOnlyList<SaveOutcome>> SaveAsync(IReadOnlyList<TelemetryEvent> events, CancellationToken cancellationToken) =>
        await TrySaveAsync(events, cancellationToken)
        ?? throw new InvalidOperationException(WriteQueueFull);

    /// <summary>
    /// Saves the events through the writer, or answers null at once when its queue is full: an
    /// expected outcome under load, which the publisher turns into 503 + Retry-After.
    /// </summary>
    public async Task<IReadOnlyList<SaveOutcome>?> TrySaveAsync(IReadOnlyList<TelemetryEvent> events, CancellationToken cancellationToken)
    {
        using var activity = CortexDiagnostics.StartClientSpan("sqlite insert", "sqlite", "INSERT");
        activity?.SetTag("cortex.events", events.Count);

        // Serialised here, on the request's thread, to keep the single writer's work small.
        var job = new WriteJob(events, [.. events.Select(e => EventJson.ToUtf8(e))]);
        if (!writer.TryWrite(job))
        {
            return null;
        }

        // Not cancellable once queued: the commit decides, and a 2xx follows only from it.
        try
        {
            return await job.Completion.Task;
        }
        catch (Exception ex)
        {
            activity.RecordFailure(ex);
            throw;
        }
    }

    /// <summary>Deletes expired events through the writer, so it never competes for the write lock.</summary>
    public async Task<int> DeleteExpiredAsync(CancellationToken cancellationToken)
    {
        var job = new WriteJob([], [], deleteExpiredBefore: clock.GetUtcNow().ToUnixTimeSeconds());
        await writer.WriteAsync(job, cancellationToken);
        await job.Completion.Task;
        return job.Deleted;
    }

    public async Task<string?> GetAsync(Guid eventId, CancellationToken cancellationToken)
    {
        using var activity = CortexDiagnostics.StartClientSpan("sqlite get", "sqlite", "SELECT");
        try
        {
            await using var connection = database.Open();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT document FROM events WHERE event_id = $id AND expires_at > $now";
            command.Parameters.AddWithValue("$id", SqliteEventQueries.IdBytes(eventId));
            command.Parameters.AddWithValue("$now", clock.GetUtcNow().ToUnixTimeSeconds());
            return await command.ExecuteScalarAsync(cancellationToken) as string;
        }
        catch (Exception ex) when (damage.Observe(ex))
        {
            throw;
        }
    }

    public async Task<EventPage> QueryAsync(EventQuery query, CancellationToken cancellationToken)
    {
        using var activity = CortexDiagnostics.StartClientSpan("sqlite query", "sqlite", "SELECT");
        try
        {
            await using var connection = database.Open();
            await using var command = connection.CreateCommand();
            SqliteEventQueries.Prepare(command, query, clock.GetUtcNow().ToUnixTimeSeconds());
            var items = new List<string>(Math.Min(query.Limit, 128));
            EventPosition? last = null;
            var more = false;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (items.Count == query.Limit)
                {
                    more = true;
                    break;
                }

                items.Add(reader.GetString(0));
                last = new EventPosition(reader.GetInt64(1), new Guid(reader.GetFieldValue<byte[]>(2), bigEndian: true));
            }

            return new EventPage(items, more ? last : null);
        }
        catch (Exception ex) when (damage.Observe(ex))
        {
            throw;
        }
    }
}
