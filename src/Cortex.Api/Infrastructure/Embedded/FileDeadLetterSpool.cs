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

    /// <summary>
    /// Appends the events and syncs the file (and, when it is new, its directory entry) before
    /// returning true: only then may the caller answer for them. False when that failed (logged).
    /// </summary>
    public async Task<bool> AddAsync(IReadOnlyList<TelemetryEvent> events, string reason)
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
            Append(Encoding.UTF8.GetBytes(lines.ToString()));
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogError(ex, "Could not spool {Count} events that failed to store", events.Count);
            return false;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// Writes whole lines after the last complete one: a line torn by a crash during an earlier
    /// append is ended first, so it spoils only itself. Returns once the bytes are on disk.
    /// </summary>
    private void Append(byte[] lines)
    {
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(directory);
        var created = !File.Exists(Path);
        using (var file = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0))
        {
            if (file.Length > 0)
            {
                file.Seek(-1, SeekOrigin.End);
                if (file.ReadByte() != '\n')
                {
                    file.WriteByte((byte)'\n');
                }
            }

            file.Seek(0, SeekOrigin.End);
            file.Write(lines);
            DurableFile.Sync(file.SafeFileHandle, Path);
        }

        if (created)
        {
            DurableFile.SyncDirectory(directory);
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
        return new ReplayResult(replayed.Count, failed, "store", replayed.Count);
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
            if (line.Length > 0 && Parse(line) is { } entry)
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
            SyncAndReplace(temporary);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>The rewritten spool is on disk before it replaces the old one, and the rename is on disk before replayed entries count as gone.</summary>
    private void SyncAndReplace(string temporary)
    {
        using (var handle = File.OpenHandle(temporary, FileMode.Open, FileAccess.ReadWrite))
        {
            DurableFile.Sync(handle, temporary);
        }

        File.Move(temporary, Path, overwrite: true);
        DurableFile.SyncDirectory(System.IO.Path.GetDirectoryName(Path)!);
    }

    /// <summary>An entry, or null for a line a crash tore during its append (that request was never answered as accepted).</summary>
    private SpoolEntry? Parse(string line)
    {
        try
        {
            return JsonSerializer.Deserialize<SpoolEntry>(line);
        }
        catch (JsonException ex)
        {
            logger.LogWarning(ex, "Skipping a torn line in the dead-letter spool {Path}", Path);
            return null;
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
        return new DeadLetter(entry.Id, eventId, source, eventType, null, failedAt, entry.Reason, entry.Event, EventCount: 1);
    }

    public void Dispose() => _lock.Dispose();

    private sealed record SpoolEntry(string Id, string FailedAt, string Reason, string Event);
}
