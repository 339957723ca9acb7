using System.Text;
using System.Text.Json;
using Cortex.Api.Events;
using Cortex.Api.Ports;
using Microsoft.Extensions.Options;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>
/// Embedded mode's dead-letter queue: events whose SQLite commit failed are appended to a
/// JSON-lines file next to the database, and a replay stores them again (idempotently, by
/// event_id) before removing them from the file.
/// </summary>
internal sealed class FileDeadLetterSpool(
    IOptions<EmbeddedOptions> options,
    IHostEnvironment environment,
    SqliteTelemetryStore store,
    TimeProvider clock,
    ILogger<FileDeadLetterSpool> logger) : IDeadLetterQueue, IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);

    public string Path { get; } = System.IO.Path.GetFullPath(
        System.IO.Path.Combine(environment.ContentRootPath, options.Value.DeadLetterPath));

    public string Name => System.IO.Path.GetFileName(Path);

    /// <summary>Keeps events that could not be stored. Best effort: if the disk is gone too, it logs.</summary>
    public async Task AddAsync(IReadOnlyList<TelemetryEvent> events, string reason)
    {
        var lines = new StringBuilder();
        foreach (var e in events)
        {
            lines.Append(JsonSerializer.Serialize(new SpoolEntry(
                Guid.CreateVersion7().ToString("D"), Rfc3339.ToUtcString(clock.GetUtcNow()), reason, EventJson.ToJson(e, includeTrace: true))));
            lines.Append('\n');
        }

        await _lock.WaitAsync();
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            await File.AppendAllTextAsync(Path, lines.ToString());
        }
        catch (IOException ex)
        {
            logger.LogError(ex, "Could not spool {Count} events that failed to store", events.Count);
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task<long?> CountAsync(CancellationToken cancellationToken) => (await ReadAsync(cancellationToken)).Count;

    public async Task<IReadOnlyList<DeadLetter>> PeekAsync(int limit, CancellationToken cancellationToken)
    {
        var entries = await ReadAsync(cancellationToken);
        return [.. entries.Take(limit).Select(ToDeadLetter)];
    }

    public async Task<ReplayResult> ReplayAsync(int maxMessages, int maxPerSecond, CancellationToken cancellationToken)
    {
        var entries = (await ReadAsync(cancellationToken)).Take(maxMessages).ToList();
        var replayed = new HashSet<string>(StringComparer.Ordinal);
        var failed = 0;
        using var pacer = new ReplayPacer(maxPerSecond, clock);
        foreach (var entry in entries)
        {
            await pacer.WaitAsync(cancellationToken);
            try
            {
                var e = EventJson.Parse(Encoding.UTF8.GetBytes(entry.Event));
                await store.SaveAsync([e], cancellationToken);
                replayed.Add(entry.Id);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Replay of dead letter {Id} failed; it stays in the spool", entry.Id);
                failed++;
            }
        }

        await RemoveAsync(replayed, cancellationToken);
        return new ReplayResult(replayed.Count, failed, "store");
    }

    public async Task<long> PurgeAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            var count = (await ReadUnlockedAsync(cancellationToken)).Count;
            File.Delete(Path);
            return count;
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task<List<SpoolEntry>> ReadAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            return await ReadUnlockedAsync(cancellationToken);
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task<List<SpoolEntry>> ReadUnlockedAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path))
        {
            return [];
        }

        var entries = new List<SpoolEntry>();
        foreach (var line in await File.ReadAllLinesAsync(Path, cancellationToken))
        {
            if (line.Length > 0 && JsonSerializer.Deserialize<SpoolEntry>(line) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    /// <summary>Rewrites the spool without the replayed entries, atomically (write, then rename).</summary>
    private async Task RemoveAsync(HashSet<string> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return;
        }

        await _lock.WaitAsync(cancellationToken);
        try
        {
            var remaining = (await ReadUnlockedAsync(cancellationToken)).Where(e => !ids.Contains(e.Id));
            var temporary = Path + ".tmp";
            await File.WriteAllLinesAsync(temporary, remaining.Select(e => JsonSerializer.Serialize(e)), cancellationToken);
            File.Move(temporary, Path, overwrite: true);
        }
        finally
        {
            _lock.Release();
        }
    }

    private static DeadLetter ToDeadLetter(SpoolEntry entry)
    {
        string? eventId = null, source = null, eventType = null;
        try
        {
            using var document = JsonDocument.Parse(entry.Event);
            var root = document.RootElement;
            eventId = root.GetProperty("event_id").GetString();
            source = root.GetProperty("source").GetString();
            eventType = root.GetProperty("event_type").GetString();
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            // An unreadable entry is still listed, with its raw body, for the operator to judge.
        }

        DateTimeOffset? failedAt = Rfc3339.TryParse(entry.FailedAt, out var at) ? at : null;
        return new DeadLetter(entry.Id, eventId, source, eventType, null, failedAt, entry.Reason, entry.Event);
    }

    public void Dispose() => _lock.Dispose();

    private sealed record SpoolEntry(string Id, string FailedAt, string Reason, string Event);
}
