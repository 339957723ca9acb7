using Cortex.Api.Infrastructure.Embedded;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Infrastructure.Embedded;

/// <summary>
/// The database file outlives the binary. It carries its schema version; a new file starts at
/// version 1, a later build migrates an older file in one transaction, and a file whose version
/// this build does not know is refused with that version in the message.
/// </summary>
public sealed class SqliteSchemaTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cortex-schema-").FullName;

    private string DatabasePath => Path.Combine(_directory, "cortex.db");

    [Fact]
    public async Task ANewFileStoresEventIdsAsSixteenBytesAndDocumentsAsTextAtTheCurrentVersion()
    {
        using var app = new CortexApplication(new Dictionary<string, string?> { ["Cortex:Embedded:DatabasePath"] = DatabasePath });
        using var client = app.CreateClient("fresh-writer");
        var eventId = await PostAcceptedAsync(client, Event(Unique("fresh")));

        using var connection = Open();
        Assert.Equal((long)SqliteSchema.Current.Version, Scalar(connection, "PRAGMA user_version;"));
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT event_id FROM events";
        var stored = Assert.IsType<byte[]>(command.ExecuteScalar());
        Assert.Equal(Guid.Parse(eventId), new Guid(stored, bigEndian: true));
        Assert.Equal("text", Scalar(connection, "SELECT DISTINCT typeof(document) FROM events;"));
    }

    [Fact]
    public void AFileFromANewerBuildIsRefusedWithItsVersion()
    {
        Execute("PRAGMA user_version=99;");

        var error = Assert.Throws<DatabaseUnusableException>(() => Apply(SqliteSchema.Current));

        Assert.Contains("schema version 99", error.Message, StringComparison.Ordinal);
        Assert.Contains(DatabasePath, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileWithTablesButNoSchemaVersionIsRefusedNotOverwritten()
    {
        Execute("CREATE TABLE events (event_id TEXT PRIMARY KEY, document TEXT);");

        var error = Assert.Throws<DatabaseUnusableException>(() => Apply(SqliteSchema.Current));

        Assert.Contains("schema version 0", error.Message, StringComparison.Ordinal);
        using var connection = Open();
        Assert.Equal(0L, Scalar(connection, "PRAGMA user_version;"));
        Assert.Equal("TEXT", Scalar(connection, "SELECT type FROM pragma_table_info('events') WHERE name = 'event_id';"));
    }

    [Fact]
    public void AMigrationTakesAnOlderFileToTheNextVersionAndKeepsItsRows()
    {
        Apply(VersionOne);
        Execute(InsertOne);
        var next = new SqliteSchema(["ALTER TABLE events ADD COLUMN note TEXT;"]);

        Apply(next);

        using var connection = Open();
        Assert.Equal(2L, Scalar(connection, "PRAGMA user_version;"));
        Assert.Equal(1L, Scalar(connection, "SELECT count(*) FROM pragma_table_info('events') WHERE name = 'note';"));
        Assert.Equal(1L, Scalar(connection, "SELECT count(*) FROM events;"));
    }

    [Fact]
    public void ANewFileIsCreatedSilentlyAndAnOlderFileLogsEachMigration()
    {
        var created = new FakeLogger();
        using (var connection = Open())
        {
            SqliteSchema.Current.Apply(connection, DatabasePath, created);
        }

        Execute("PRAGMA user_version=1;");
        var migrated = new FakeLogger();
        var next = new SqliteSchema(["SELECT 1;"]);
        using (var connection = Open())
        {
            next.Apply(connection, DatabasePath, migrated);
        }

        Assert.Empty(created.Collector.GetSnapshot());
        Assert.Contains("from schema version 1 to 2", Assert.Single(migrated.Collector.GetSnapshot()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFailingMigrationLeavesTheFileAtItsVersionWithNothingChanged()
    {
        Apply(VersionOne);
        var broken = new SqliteSchema(["ALTER TABLE events ADD COLUMN note TEXT;", "INSERT INTO no_such_table VALUES (1);"]);

        Assert.Throws<SqliteException>(() => Apply(broken));

        using var connection = Open();
        Assert.Equal(1L, Scalar(connection, "PRAGMA user_version;"));
        Assert.Equal(0L, Scalar(connection, "SELECT count(*) FROM pragma_table_info('events') WHERE name = 'note';"));
    }

    [Fact]
    public void ApplyingTheCurrentSchemaTwiceChangesNothing()
    {
        Apply(SqliteSchema.Current);
        Execute(InsertOne);

        Apply(SqliteSchema.Current);

        using var connection = Open();
        Assert.Equal((long)SqliteSchema.Current.Version, Scalar(connection, "PRAGMA user_version;"));
        Assert.Equal(1L, Scalar(connection, "SELECT count(*) FROM events;"));
    }

    [Fact]
    public async Task AVersionOneFileIsMigratedWithItsEventsReadableByIdAndByListingAndFirstWriteStillWins()
    {
        var source = Unique("migrated");
        string eventId;
        using (var app = new CortexApplication(new Dictionary<string, string?> { ["Cortex:Embedded:DatabasePath"] = DatabasePath }))
        {
            using var client = app.CreateClient("migrating-writer");
            eventId = await PostAcceptedAsync(client, Event(source));
        }

        // Put the file back into version 1's layout, with the event in it.
        SqliteConnection.ClearAllPools();
        Execute("""
            CREATE TABLE v1 (event_id BLOB NOT NULL PRIMARY KEY, ts_ms INTEGER NOT NULL, source TEXT NOT NULL, event_type TEXT NOT NULL,
                severity TEXT NOT NULL, expires_at INTEGER NOT NULL, document TEXT NOT NULL) WITHOUT ROWID;
            INSERT INTO v1 SELECT event_id, ts_ms, source, event_type, severity, expires_at, document FROM events;
            DROP TABLE events;
            ALTER TABLE v1 RENAME TO events;
            CREATE INDEX ix_events_source_time ON events (source, ts_ms DESC, event_id DESC);
            CREATE INDEX ix_events_type_second ON events (event_type, ts_ms / 1000, event_id, ts_ms);
            CREATE INDEX ix_events_expiry ON events (expires_at);
            DROP TABLE analytics_jobs;
            PRAGMA user_version=1;
            """);

        using (var app = new CortexApplication(new Dictionary<string, string?> { ["Cortex:Embedded:DatabasePath"] = DatabasePath }))
        {
            using var client = app.CreateClient("migrated-reader");
            var stored = await GetEventAsync(client, eventId);
            Assert.Equal(source, stored.GetProperty("source").GetString());
            var listed = await ListBySourceAsync(client, source);
            Assert.Contains(eventId, listed.ToString(), StringComparison.Ordinal);
            await PostAcceptedAsync(client, Event(source, extra: $"\"event_id\":\"{eventId}\"", data: """{"cpu_percent":1}"""));
            Assert.Equal(87.5, (await GetEventAsync(client, eventId)).GetProperty("data").GetProperty("cpu_percent").GetDouble());
        }

        using var connection = Open();
        Assert.Equal((long)SqliteSchema.Current.Version, Scalar(connection, "PRAGMA user_version;"));
        Assert.Equal(1L, Scalar(connection, "SELECT count(*) FROM events;"));
        Assert.Equal(1L, Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE name = 'ix_events_id';"));
    }

    [Fact]
    public void AnOlderFileGainsTheAnalyticsJobsTableAndKeepsItsEvents()
    {
        Apply(VersionOne);
        Execute("INSERT INTO events VALUES (x'01', 1, 's', 'custom', 'info', 9999999999, '{}');");

        Apply(SqliteSchema.Current);

        using var connection = Open();
        Assert.Equal((long)SqliteSchema.Current.Version, Scalar(connection, "PRAGMA user_version;"));
        Assert.Equal(1L, Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'analytics_jobs';"));
        Assert.Equal(1L, Scalar(connection, "SELECT count(*) FROM events;"));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The first schema: what a file written by a build before the migrations holds.</summary>
    private static SqliteSchema VersionOne => new([]);

    private const string InsertOne =
        "INSERT INTO events (event_id, ts_ms, source, event_type, severity, expires_at, document) VALUES (x'01', 1, 's', 'custom', 'info', 9999999999, '{}');";

    private void Apply(SqliteSchema schema)
    {
        using var connection = Open();
        schema.Apply(connection, DatabasePath, NullLogger.Instance);
    }

    private void Execute(string sql)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
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
