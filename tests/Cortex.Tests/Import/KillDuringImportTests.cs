using System.Net;
using System.Text;
using System.Text.Json;
using Cortex.Tests.Process;
using Microsoft.Data.Sqlite;
using static Cortex.Tests.Import.ImportFiles;

namespace Cortex.Tests.Import;

/// <summary>
/// The real app, SIGKILLed while it imports a file, restarted on the same database and given the
/// same file again: the ids derived from the file and its lines make the second import store
/// exactly what the first did not, so the file's valid events end up stored exactly once.
/// </summary>
[Collection(nameof(Durability.KillDuringIngestionTests))]
public sealed class KillDuringImportTests : IDisposable
{
    private const int Lines = 20_000;
    private static readonly int[] InvalidLines = [1, 2, 999, 5000, 7001, 10_000, 12_345, 15_000, 19_999, 20_000];
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cortex-tests", Guid.NewGuid().ToString("N"));

    // One small batch at a time: the import takes long enough to be killed halfway.
    private static readonly Dictionary<string, string?> SlowImport = new()
    {
        ["Cortex__Import__BatchSize"] = "50",
        ["Cortex__Import__MaxBatchesInFlight"] = "1",
    };

    public void Dispose() => AppProcessTests.DeleteDirectory(_directory);

    [Fact]
    public async Task AnImportKilledHalfwayAndRunAgainStoresEveryValidEventExactlyOnce()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var databasePath = Path.Combine(_directory, "cortex.db");
        var source = "kill-import-" + Guid.NewGuid().ToString("N")[..8];
        var file = Encoding.UTF8.GetBytes(Ndjson(source, Lines, InvalidLines));
        long storedAtKill;

        await using (var app = await AppProcess.StartAsync(databasePath, SlowImport, cancellationToken))
        {
            using var client = app.CreateClient("importer");
            client.Timeout = TimeSpan.FromMinutes(5);
            var import = client.PostAsync("/events/import", Body(file), cancellationToken);
            storedAtKill = await WaitUntilStoredAsync(databasePath, source, import);
            await app.KillAsync();
            await Assert.ThrowsAnyAsync<Exception>(() => import);
        }

        JsonElement report;
        await using (var restarted = await AppProcess.StartAsync(databasePath, cancellationToken: cancellationToken))
        {
            using var client = restarted.CreateClient("importer");
            client.Timeout = TimeSpan.FromMinutes(5);
            var response = await client.PostAsync("/events/import", Body(file), cancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            report = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement.Clone();
        }

        Assert.InRange(storedAtKill, 1, Lines - InvalidLines.Length - 1);
        Assert.Equal(Lines - InvalidLines.Length, report.GetProperty("accepted").GetInt64());
        Assert.Equal(InvalidLines.Select(l => (long)l), report.GetProperty("rejections").EnumerateArray().Select(r => r.GetProperty("line").GetInt64()));
        Assert.Equal(Lines - InvalidLines.Length, Count(databasePath, source));
    }

    /// <summary>Waits until some, not all, of the file's events are stored; returns how many.</summary>
    private static async Task<long> WaitUntilStoredAsync(string databasePath, string source, Task import)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (DateTime.UtcNow < deadline && !import.IsCompleted)
        {
            var stored = File.Exists(databasePath) ? Count(databasePath, source) : 0;
            if (stored > 0)
            {
                return stored;
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        return File.Exists(databasePath) ? Count(databasePath, source) : 0;
    }

    private static long Count(string databasePath, string source)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM events WHERE instr(document, $marker) > 0";
        command.Parameters.AddWithValue("$marker", source);
        return (long)command.ExecuteScalar()!;
    }
}
