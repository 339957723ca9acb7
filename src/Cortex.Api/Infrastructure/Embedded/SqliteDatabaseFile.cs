using Microsoft.Data.Sqlite;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>
/// Makes sure the configured path holds a database Cortex may open. A database file at that path
/// is always one Cortex finished creating: a new one is created under a temporary name, given its
/// schema, synced, and only then renamed into place (and the directory entry synced). A crash
/// part way leaves no file at the path (the temporary one is replaced next time), never an empty
/// or half-made one. So an empty (0-byte) file at the path was not made by Cortex: a truncation, a
/// restore gone wrong, a stray <c>touch</c>. SQLite would take it as a new, empty database and
/// every earlier event would silently be gone; Cortex refuses to start instead.
/// </summary>
internal static class SqliteDatabaseFile
{
    /// <summary>Creates the database if the path holds nothing; refuses an empty file.</summary>
    /// <exception cref="DatabaseUnusableException">The file is empty.</exception>
    public static void Prepare(string path, SqliteSchema schema, ILogger logger)
    {
        var file = new FileInfo(path);
        if (file.Exists && file.Length == 0)
        {
            throw new DatabaseUnusableException(path,
                "the file is empty (0 bytes). Cortex never leaves an empty database file, so its events were lost outside Cortex (truncated, or replaced by an empty file). Restore it from a backup, or delete it to start with a new, empty database");
        }

        if (file.Exists || Directory.Exists(path))
        {
            return;
        }

        CreateFolder(path);
        var creating = path + ".creating";
        foreach (var leftover in new[] { creating, creating + "-journal", creating + "-wal", creating + "-shm" })
        {
            File.Delete(leftover);
        }

        CreateWithSchema(creating, schema, logger);
        using (var handle = File.OpenHandle(creating, FileMode.Open, FileAccess.ReadWrite))
        {
            DurableFile.Sync(handle, creating);
        }

        File.Move(creating, path, overwrite: false);
        DurableFile.SyncDirectory(System.IO.Path.GetDirectoryName(path)!);
        logger.LogInformation("Created the database {Path} at schema version {Version}", path, schema.Version);
    }

    private static void CreateFolder(string path)
    {
        var folder = System.IO.Path.GetDirectoryName(path)!;
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var file = FileAmongFolders(folder);
            throw new DatabaseUnusableException(path,
                file is not null ? $"{file} is a file, not a directory" : $"its folder {folder} cannot be created ({ex.Message.TrimEnd('.')})", ex);
        }
    }

    private static string? FileAmongFolders(string folder)
    {
        for (var current = folder; current is not null; current = System.IO.Path.GetDirectoryName(current))
        {
            if (File.Exists(current))
            {
                return current;
            }
        }

        return null;
    }

    /// <summary>The schema goes into the main file (rollback journal), then the file is switched to WAL, which is recorded in its header.</summary>
    private static void CreateWithSchema(string path, SqliteSchema schema, ILogger logger)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        connection.Open();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL;";
            command.ExecuteNonQuery();
        }

        schema.Apply(connection, path, logger);
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "PRAGMA journal_mode=WAL;";
            command.ExecuteNonQuery();
        }
    }
}
