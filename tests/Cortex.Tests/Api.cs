using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Cortex.Tests;

/// <summary>Request builders and assertions shared by the API tests.</summary>
internal static class Api
{
    public const string ProblemJson = "application/problem+json";

    public static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    /// <summary>A value no other test uses, for sources and markers.</summary>
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    public static ByteArrayContent JsonBytes(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>A binary protobuf body (OTLP/HTTP).</summary>
    public static ByteArrayContent Protobuf(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        return content;
    }

    /// <summary>A valid event body; <paramref name="extra"/> is spliced in as more top-level members.</summary>
    public static string Event(string source, string? extra = null, string eventType = "cpu_usage", string data = """{"cpu_percent":87.5}""") =>
        $$"""{"source":{{JsonSerializer.Serialize(source)}},"event_type":"{{eventType}}","data":{{data}}{{(extra is null ? string.Empty : "," + extra)}}}""";

    /// <summary>An RFC 3339 UTC timestamp <paramref name="offset"/> from now, at second precision.</summary>
    public static string TimestampFromNow(TimeSpan offset) =>
        (DateTimeOffset.UtcNow + offset).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(Cancellation);
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>Asserts the status and an RFC 9457 body, and returns the body.</summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync(Cancellation);
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal(ProblemJson, response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(text);
        var problem = document.RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        return problem;
    }

    /// <summary>Asserts a problem whose detail names the problem.</summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailContains)
    {
        var problem = await AssertProblemAsync(response, status);
        var detail = problem.GetProperty("detail").GetString();
        Assert.True(detail?.Contains(detailContains, StringComparison.OrdinalIgnoreCase) == true,
            $"Expected the detail to mention \"{detailContains}\", got \"{detail}\".");
        return problem;
    }

    /// <summary>Asserts a validation problem with an error for each of <paramref name="fields"/>; returns the errors.</summary>
    public static async Task<JsonElement> AssertValidationProblemAsync(HttpResponseMessage response, HttpStatusCode status, params string[] fields)
    {
        var problem = await AssertProblemAsync(response, status);
        Assert.True(problem.TryGetProperty("errors", out var errors), $"No errors in {problem}");
        foreach (var field in fields)
        {
            Assert.True(errors.TryGetProperty(field, out var messages), $"No error for '{field}' in {errors}");
            Assert.True(messages.GetArrayLength() > 0);
            Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()));
        }

        return errors;
    }

    public static async Task<string> PostAcceptedAsync(HttpClient client, string body)
    {
        var response = await client.PostAsync(new Uri("/events", UriKind.Relative), Json(body), Cancellation);
        var text = await response.Content.ReadAsStringAsync(Cancellation);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"Expected 202, got {(int)response.StatusCode}: {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("event_id").GetString()!;
    }

    public static async Task<JsonElement> GetEventAsync(HttpClient client, string eventId)
    {
        var response = await client.GetAsync(new Uri($"/events/{eventId}", UriKind.Relative), Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ReadJsonAsync(response);
    }

    /// <summary>The items GET /events returns for one source (first page, up to 1000).</summary>
    public static async Task<JsonElement> ListBySourceAsync(HttpClient client, string source)
    {
        var response = await client.GetAsync(new Uri($"/events?source={Uri.EscapeDataString(source)}&limit=1000", UriKind.Relative), Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await ReadJsonAsync(response)).GetProperty("items");
    }

    /// <summary>How many stored rows (expired or not) contain <paramref name="marker"/>, read straight from the SQLite file.</summary>
    public static long CountStored(this CortexApplication app, string marker)
    {
        using var connection = OpenDatabase(app);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM events WHERE instr(document, $marker) > 0";
        command.Parameters.AddWithValue("$marker", marker);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>How many stored rows (expired or not) have <paramref name="eventId"/>.</summary>
    public static long CountStoredById(this CortexApplication app, string eventId)
    {
        using var connection = OpenDatabase(app);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM events WHERE event_id = $id";
        command.Parameters.AddWithValue("$id", Guid.Parse(eventId).ToByteArray(bigEndian: true));
        return (long)command.ExecuteScalar()!;
    }

    private static SqliteConnection OpenDatabase(CortexApplication app)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = app.DatabasePath,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }
}
