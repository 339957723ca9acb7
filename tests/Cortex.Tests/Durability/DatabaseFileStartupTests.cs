using System.Net;
using Cortex.Api.Infrastructure.Embedded;
using Cortex.Tests.Process;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Durability;

/// <summary>
/// The database file as the real app process meets it at startup. A file it cannot use ends the
/// process with exit code 1 and one log line naming the path and the cause, never an unhandled
/// exception (exit 134); a file that is empty or damaged is never silently taken as a new database.
/// The tests run as root, where permissions do not stop writes: the unusable paths are ones even
/// root cannot write (under a regular file, a directory, /proc and /sys).
/// </summary>
public sealed class DatabaseFileStartupTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cortex-dbfile-").FullName;

    private string DatabasePath => Path.Combine(_directory, "cortex.db");

    /// <summary>Unusable paths, each with what the log line must say about it.</summary>
    public static TheoryData<string, string> UnusablePaths => new()
    {
        { "under-a-regular-file", "is a file, not a directory" },
        { "a-directory", "it is a directory, not a file" },
        { "a-folder-that-cannot-be-created", "cannot be created" },
        { "a-folder-that-refuses-new-files", "SQLite cannot open or create it" },
        { "not-a-database", "it is not a SQLite database" },
    };

    [Theory]
    [MemberData(nameof(UnusablePaths))]
    public async Task AnUnusableDatabasePathEndsTheProcessWithOneLineNamingThePathAndTheCause(string shape, string cause)
    {
        var path = UnusablePath(shape);

        var run = await RunAsync(path);

        AssertRefused(run, path, cause);
    }

    [Fact]
    public async Task AnEmptyDatabaseFileIsRefusedAtStartupAndLeftAsItWas()
    {
        await File.WriteAllBytesAsync(DatabasePath, [], Cancellation);

        var run = await RunAsync(DatabasePath);

        AssertRefused(run, DatabasePath, "the file is empty (0 bytes)");
        Assert.Equal(0, new FileInfo(DatabasePath).Length);
    }

    [Fact]
    public async Task ADatabaseLeftHalfCreatedByACrashIsCreatedAgainWhole()
    {
        // A crash while creating leaves only the temporary file, which may be empty or partial.
        await File.WriteAllBytesAsync(DatabasePath + ".creating", [], Cancellation);

        await using var app = await AppProcess.StartAsync(DatabasePath, cancellationToken: Cancellation);
        using var client = app.CreateClient("recreated");
        var response = await client.PostAsync(new Uri("/events", UriKind.Relative), Json(Event(Unique("recreated"))), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.False(File.Exists(DatabasePath + ".creating"));
        Assert.True(new FileInfo(DatabasePath).Length > 0);
    }

    [Fact]
    public async Task ADatabaseWithOverwrittenPagesIsRefusedAtStartupByTheIntegrityCheck()
    {
        CreateDatabaseWithEvents();
        OverwritePagesAfterTheFirst();

        var run = await RunAsync(DatabasePath);

        AssertRefused(run, DatabasePath, "damage");
    }

    [Fact]
    public async Task DamageMetAtRuntimeMakesReadinessAnswer503WithALogLine()
    {
        CreateDatabaseWithEvents();

        await using var app = await AppProcess.StartAsync(DatabasePath, cancellationToken: Cancellation);
        using var client = app.CreateClient("damaged");
        var readyBefore = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), Cancellation);
        OverwritePagesAfterTheFirst();
        var listing = await client.GetAsync(new Uri("/events?limit=100", UriKind.Relative), Cancellation);
        var readyAfter = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), Cancellation);

        Assert.Equal(HttpStatusCode.OK, readyBefore.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, listing.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyAfter.StatusCode);
        Assert.Single(app.Output.Split('\n'), line => line.Contains("is damaged", StringComparison.Ordinal) && line.Contains(DatabasePath, StringComparison.Ordinal) && line.Contains("\"@l\":\"Fatal\"", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        AppProcessTests.DeleteDirectory(_directory);
    }

    private static void AssertRefused(ProcessRun run, string path, string cause)
    {
        var output = run.StandardOutput + run.StandardError;
        var lines = output.Split('\n').Where(line => line.Contains("Cortex cannot use the database", StringComparison.Ordinal)).ToList();

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(lines);
        Assert.Contains(path, line, StringComparison.Ordinal);
        Assert.Contains(cause, line, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }

    private static Task<ProcessRun> RunAsync(string databasePath) =>
        AppProcess.RunAsync(["--urls", "http://127.0.0.1:0"], new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Cortex__Mode"] = "Embedded",
            ["Cortex__Auth__SigningKey"] = CortexApplication.SigningKey,
            ["Cortex__Embedded__DatabasePath"] = databasePath,
        }, Cancellation);

    private string UnusablePath(string shape)
    {
        switch (shape)
        {
            case "under-a-regular-file":
                File.WriteAllText(Path.Combine(_directory, "plain-file"), "not a folder");
                return Path.Combine(_directory, "plain-file", "cortex.db");
            case "a-directory":
                return Directory.CreateDirectory(DatabasePath).FullName;
            case "a-folder-that-cannot-be-created":
                return $"/proc/cortex-{Guid.NewGuid():N}/cortex.db";
            case "a-folder-that-refuses-new-files":
                return $"/sys/cortex-{Guid.NewGuid():N}.db";
            default:
                File.WriteAllText(DatabasePath, "these are not the pages of a SQLite database, whatever the name says");
                return DatabasePath;
        }
    }

    /// <summary>A database file of this build's schema with enough events to fill pages beyond the first, checkpointed into the file.</summary>
    private void CreateDatabaseWithEvents()
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        SqliteSchema.Current.Apply(connection, DatabasePath, NullLogger.Instance);
        using var transaction = connection.BeginTransaction();
        for (var i = 0; i < 300; i++)
        {
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO events (event_id, ts_ms, source, event_type, severity, expires_at, document) VALUES ($id, $ts, 'damaged', 'custom', 'info', 9999999999, $document)";
            insert.Parameters.AddWithValue("$id", Guid.CreateVersion7().ToByteArray(bigEndian: true));
            insert.Parameters.AddWithValue("$ts", 1_790_000_000_000L + i);
            insert.Parameters.AddWithValue("$document", $$"""{"padding":"{{new string('x', 200)}}"}""");
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>Every page but the first (the header and the schema) filled with bytes no page can start with.</summary>
    private void OverwritePagesAfterTheFirst()
    {
        using var file = new FileStream(DatabasePath, FileMode.Open, FileAccess.Write);
        const int PageSize = 4096;
        Assert.True(file.Length > 4 * PageSize, $"the database has only {file.Length} bytes");
        file.Seek(PageSize, SeekOrigin.Begin);
        var garbage = Enumerable.Repeat((byte)0x5A, (int)file.Length - PageSize).ToArray();
        file.Write(garbage);
    }
}
