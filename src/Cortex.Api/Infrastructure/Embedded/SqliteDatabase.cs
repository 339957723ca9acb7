using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using SQLitePCL;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>The database file: where it is, the checks before it is written, and connections to it.</summary>
internal sealed class SqliteDatabase
{
    private readonly EmbeddedOptions _options;
    private readonly ILogger<SqliteDatabase> _logger;
    private readonly string _connectionString;
    private readonly string _readOnlyConnectionString;

    public SqliteDatabase(IOptions<EmbeddedOptions> options, IHostEnvironment environment, ILogger<SqliteDatabase> logger)
    {
        _options = options.Value;
        _logger = logger;
        Path = System.IO.Path.GetFullPath(System.IO.Path.Combine(environment.ContentRootPath, _options.DatabasePath));
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        _readOnlyConnectionString = new SqliteConnectionStringBuilder(_connectionString) { Mode = SqliteOpenMode.ReadOnly }.ToString();
    }

    public string Path { get; }

    /// <summary>A pooled connection, for reads.</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    /// <summary>A pooled connection that cannot write (its own pool), for long reads such as analytics.</summary>
    public SqliteConnection OpenReadOnly()
    {
        var connection = new SqliteConnection(_readOnlyConnectionString);
        connection.Open();
        return connection;
    }

    /// <summary>
    /// The writer's connection, after the file passed every check: created if missing (never an
    /// empty file taken as new), its integrity checked within the budget, its schema current.
    /// </summary>
    /// <exception cref="DatabaseUnusableException">The file cannot be used; the message names it and the cause.</exception>
    public SqliteConnection OpenForWriting(SqliteSchema schema)
    {
        SqliteConnection? connection = null;
        try
        {
            SqliteDatabaseFile.Prepare(Path, schema, _logger);
            connection = Open();
            using (var command = connection.CreateCommand())
            {
                // FULL for the schema transaction: it creates the WAL file if needed and syncs it and its directory entry.
                command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;";
                command.ExecuteNonQuery();
            }

            SqliteIntegrityCheck.Run(connection, Path, _options.IntegrityCheckBudget, _logger);
            schema.Apply(connection, Path, _logger);
            return connection;
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            connection?.Dispose();
            throw new DatabaseUnusableException(Path, Describe(ex), ex);
        }
        catch
        {
            connection?.Dispose();
            throw;
        }
    }

    private string Describe(Exception exception)
    {
        if (Directory.Exists(Path))
        {
            return "it is a directory, not a file";
        }

        return exception switch
        {
            SqliteException { SqliteErrorCode: var code } when (code & 0xFF) == raw.SQLITE_NOTADB =>
                $"it is not a SQLite database, or its header is damaged ({Quoted(exception)})",
            SqliteException { SqliteErrorCode: var code } when (code & 0xFF) == raw.SQLITE_CORRUPT =>
                $"it is damaged ({Quoted(exception)}). Restore it from a backup, or salvage it with the sqlite3 shell's .recover into a new file",
            SqliteException { SqliteErrorCode: var code } when (code & 0xFF) == raw.SQLITE_READONLY =>
                $"it cannot be written ({Quoted(exception)}): check the file's and its folder's permissions and that the file system is not read-only",
            SqliteException { SqliteErrorCode: var code } when (code & 0xFF) == raw.SQLITE_CANTOPEN =>
                $"SQLite cannot open or create it ({Quoted(exception)}): check that its folder exists and can be written",
            _ => Quoted(exception),
        };
    }

    private static string Quoted(Exception exception) => exception.Message.TrimEnd('.');
}
