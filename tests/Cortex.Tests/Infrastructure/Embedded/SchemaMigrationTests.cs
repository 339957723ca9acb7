using System.Net;
using Cortex.Api.Events;
using Cortex.Api.Infrastructure.Embedded;
using Cortex.Tests.Consumer;
using Microsoft.Data.Sqlite;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Infrastructure.Embedded;

/// <summary>
/// The embedded database file outlives the binary: a file written by an older build (event ids as
/// text, schema version 0) is migrated in place on startup, and one from a newer build is refused.
/// </summary>
public sealed class SchemaMigrationTests : IDisposable
{
    private const string VersionZeroSchema = """
        CREATE TABLE events (
            event_id   TEXT    NOT NULL PRIMARY KEY,
            ts_ms      INTEGER NOT NULL,
            source     TEXT    NOT NULL,
            event_type TEXT    NOT NULL,
            severity   TEXT    NOT NULL,
            expires_at INTEGER NOT NULL,
            document   TEXT    NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX ix_events_source_time ON events (source, ts_ms DESC, event_id DESC);
        CREATE INDEX ix_events_type_time ON events (event_type, ts_ms DESC, event_id DESC);
        CREATE INDEX ix_events_time ON events (ts_ms DESC, event_id DESC);
        CREATE INDEX ix_events_expiry ON events (expires_at);
        """;

    /// <summary>
    /// The table of versions 2 to 4: event ids as 16 bytes. Written out here, not taken from the
    /// store, so a fixture of an old version never changes with the live schema.
    /// </summary>
    private const string BlobIdTable = """
        CREATE TABLE events (
            event_id   BLOB    NOT NULL PRIMARY KEY,
            ts_ms      INTEGER NOT NULL,
            source     TEXT    NOT NULL,
            event_type TEXT    NOT NULL,
            severity   TEXT    NOT NULL,
            expires_at INTEGER NOT NULL,
            document   TEXT    NOT NULL
        ) WITHOUT ROWID;
        """;

    /// <summary>Version 2: event ids as 16 bytes, and an index on time alone that version 3 dropped.</summary>
    private const string VersionTwoSchema = BlobIdTable + """
        CREATE INDEX ix_events_source_time ON events (source, ts_ms DESC, event_id DESC);
        CREATE INDEX ix_events_type_time ON events (event_type, ts_ms DESC, event_id DESC);
        CREATE INDEX ix_events_time ON events (ts_ms DESC, event_id DESC);
        CREATE INDEX ix_events_expiry ON events (expires_at);
        PRAGMA user_version=2;
        """;

    /// <summary>Version 3: the type index by millisecond, which version 4 replaces with one by second.</summary>
    private const string VersionThreeSchema = BlobIdTable + """
        CREATE INDEX ix_events_source_time ON events (source, ts_ms DESC, event_id DESC);
        CREATE INDEX ix_events_type_time ON events (event_type, ts_ms DESC, event_id DESC);
        CREATE INDEX ix_events_expiry ON events (expires_at);
        PRAGMA user_version=3;
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("cortex-migration-").FullName;

    private string DatabasePath => Path.Combine(_directory, "cortex.db");

    [Fact]
    public async Task AVersionZeroFileIsMigratedAndEveryEventStaysReadableInOrder()
    {
        var source = Unique("migrated");
        var events = Enumerable.Range(0, 3).Select(_ => ConsumerTestData.NewEvent(source)).ToList();
        CreateOldDatabase(VersionZeroSchema, events, e => e.EventIdText);

        using var app = new CortexApplication(new Dictionary<string, string?> { ["Cortex:Embedded:DatabasePath"] = DatabasePath });
        using var client = app.CreateClient("migration-reader");

        foreach (var e in events)
        {
            var stored = await GetEventAsync(client, e.EventIdText);
            Assert.Equal(87.5m, stored.GetProperty("data").GetProperty("cpu_percent").GetDecimal());
        }

        // Newest first by timestamp, then by id: two pages through the cursor give all three, once each.
        var first = await ReadJsonAsync(await client.GetAsync(new Uri($"/events?source={source}&limit=2", UriKind.Relative), Cancellation));
        var cursor = first.GetProperty("next_cursor").GetString();
        var second = await ReadJsonAsync(await client.GetAsync(new Uri($"/events?source={source}&limit=2&cursor={Uri.EscapeDataString(cursor!)}", UriKind.Relative), Cancellation));
        var listed = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray())
            .Select(item => item.GetProperty("event_id").GetString()!).ToList();
        var expected = events.OrderByDescending(e => e.TimestampMs).ThenByDescending(e => e.EventIdText, StringComparer.Ordinal).Select(e => e.EventIdText).ToList();
        Assert.Equal(expected, listed);

        // The same id again is still a duplicate after the migration: stored once.
        var again = await client.PostAsync(new Uri("/events", UriKind.Relative), Json(Event(source, $"\"event_id\":\"{events[0].EventIdText}\"")), Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal(1, app.CountStoredById(events[0].EventIdText));

        using var connection = Open();
        Assert.Equal(4L, Scalar(connection, "PRAGMA user_version;"));
        Assert.Equal("blob", Scalar(connection, "SELECT DISTINCT typeof(event_id) FROM events;"));
        Assert.Equal(0L, Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE name IN ('events_text_ids', 'ix_events_time');"));
    }

    [Fact]
    public async Task AVersionTwoFileLosesItsIndexOnTimeAloneAndListsEveryEventInOrder()
    {
        var source = Unique("version-two");
        var events = new[] { "disk_io", "uptime", "custom" }
            .Select(type => ConsumerTestData.NewEvent(source) with { EventType = type })
            .ToList();
        CreateOldDatabase(VersionTwoSchema, events, e => SqliteTelemetryStore.IdBytes(e.EventId));

        using var app = new CortexApplication(new Dictionary<string, string?> { ["Cortex:Embedded:DatabasePath"] = DatabasePath });
        using var client = app.CreateClient("migration-reader");
        var listed = await ReadJsonAsync(await client.GetAsync(new Uri("/events?limit=10", UriKind.Relative), Cancellation));

        var expected = events.OrderByDescending(e => e.TimestampMs).ThenByDescending(e => e.EventIdText, StringComparer.Ordinal).Select(e => e.EventIdText);
        Assert.Equal(expected, listed.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("event_id").GetString()));
        using var connection = Open();
        Assert.Equal(4L, Scalar(connection, "PRAGMA user_version;"));
        Assert.Equal(0L, Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE name = 'ix_events_time';"));
        Assert.Equal(3L, Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_events_%';"));
    }

    [Fact]
    public async Task AVersionThreeFileGetsItsTypeIndexBySecondAndListsEachTypeNewestFirst()
    {
        var source = Unique("version-three");
        var at = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds());

        // Ids in the opposite order to the timestamps, within one second and across two.
        int[] offsetsMs = [1500, 900, 400, 0];
        var events = offsetsMs
            .Select(offset => ConsumerTestData.NewEvent(source) with { EventType = "health_check", Timestamp = Rfc3339.ToUtcString(at.AddMilliseconds(offset)), TimestampMs = at.AddMilliseconds(offset).ToUnixTimeMilliseconds() })
            .ToList();
        CreateOldDatabase(VersionThreeSchema, events, e => SqliteTelemetryStore.IdBytes(e.EventId));

        using var app = new CortexApplication(new Dictionary<string, string?> { ["Cortex:Embedded:DatabasePath"] = DatabasePath });
        using var client = app.CreateClient("migration-reader");
        var byType = await ReadJsonAsync(await client.GetAsync(new Uri("/events?event_type=health_check&limit=10", UriKind.Relative), Cancellation));
        var all = await ReadJsonAsync(await client.GetAsync(new Uri("/events?limit=10", UriKind.Relative), Cancellation));

        var expected = events.OrderByDescending(e => e.TimestampMs).Select(e => e.EventIdText).ToList();
        Assert.Equal(expected, byType.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("event_id").GetString()));
        Assert.Equal(expected, all.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("event_id").GetString()));
        using var connection = Open();
        Assert.Equal(4L, Scalar(connection, "PRAGMA user_version;"));
        Assert.Equal(0L, Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE name = 'ix_events_type_time';"));
        Assert.Equal(1L, Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE name = 'ix_events_type_second';"));
    }

    [Fact]
    public async Task ANewFileStoresEventIdsAsSixteenBytesAndDocumentsAsTextAtTheCurrentVersion()
    {
        using var app = new CortexApplication(new Dictionary<string, string?> { ["Cortex:Embedded:DatabasePath"] = DatabasePath });
        using var client = app.CreateClient("fresh-writer");
        var eventId = await PostAcceptedAsync(client, Event(Unique("fresh")));

        using var connection = Open();
        Assert.Equal(4L, Scalar(connection, "PRAGMA user_version;"));
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT event_id FROM events";
        var stored = Assert.IsType<byte[]>(command.ExecuteScalar());
        Assert.Equal(Guid.Parse(eventId), new Guid(stored, bigEndian: true));
        Assert.Equal("text", Scalar(connection, "SELECT DISTINCT typeof(document) FROM events;"));
    }

    [Fact]
    public void AFileFromANewerBuildIsRefusedWithItsVersion()
    {
        using (var connection = Open())
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version=99;";
            command.ExecuteNonQuery();
        }

        using var app = new CortexApplication(new Dictionary<string, string?> { ["Cortex:Embedded:DatabasePath"] = DatabasePath });

        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());
        var messages = string.Join(" | ", Flatten(error).Select(e => e.Message));
        Assert.Contains("schema version 99", messages, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private static IEnumerable<Exception> Flatten(Exception error)
    {
        for (Exception? current = error; current is not null; current = current.InnerException)
        {
            yield return current;
        }
    }

    private void CreateOldDatabase(string oldSchema, IReadOnlyList<TelemetryEvent> events, Func<TelemetryEvent, object> storedId)
    {
        using var connection = Open();
        using var schema = connection.CreateCommand();
        schema.CommandText = "PRAGMA journal_mode=WAL;" + oldSchema;
        schema.ExecuteNonQuery();
        foreach (var e in events)
        {
            using var insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO events (event_id, ts_ms, source, event_type, severity, expires_at, document)
                VALUES ($id, $ts, $source, $type, $severity, $expires, $document)
                """;
            insert.Parameters.AddWithValue("$id", storedId(e));
            insert.Parameters.AddWithValue("$ts", e.TimestampMs);
            insert.Parameters.AddWithValue("$source", e.Source);
            insert.Parameters.AddWithValue("$type", e.EventType);
            insert.Parameters.AddWithValue("$severity", e.Severity);
            insert.Parameters.AddWithValue("$expires", e.ExpiresAt);
            insert.Parameters.AddWithValue("$document", EventJson.ToJson(e));
            insert.ExecuteNonQuery();
        }
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
