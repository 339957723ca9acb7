using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Ingestion;

public sealed class IngestionApiTests : IClassFixture<CortexApplicationFixture>
{
    private const string Example =
        """{"source":"server-web-01","event_type":"cpu_usage","severity":"warning","data":{"cpu_percent":87.5,"load_avg_1m":2.3}}""";

    private readonly CortexApplication _app;

    public IngestionApiTests(CortexApplicationFixture fixture) => _app = fixture.App;

    [Fact]
    public async Task PostingTheReadmeExampleReturns202AndTheEventReadsBackWithExactNumbers()
    {
        var client = _app.CreateClient("agent-readme");

        var post = await client.PostAsync("/events", Json(Example), Cancellation);
        var accepted = await post.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        var eventId = accepted.GetProperty("event_id").GetString();
        var read = await client.GetStringAsync($"/events/{eventId}", Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        Assert.Equal($"/events/{eventId}", post.Headers.Location?.OriginalString);
        Assert.Equal("accepted", accepted.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(accepted.GetProperty("message_id").GetString()));
        Assert.True(Guid.TryParseExact(eventId, "D", out var id));
        Assert.Equal(7, id.Version);
        Assert.Contains("\"data\":{\"cpu_percent\":87.5,\"load_avg_1m\":2.3}", read, StringComparison.Ordinal);
        Assert.Contains("\"submitted_by\":\"agent-readme\"", read, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ApiCases.MalformedBodies), MemberType = typeof(ApiCases))]
    public async Task PostingAMalformedBodyReturns400ProblemAndStoresNothing(string template, string detail)
    {
        var client = _app.CreateClient("agent-malformed");
        var marker = Unique("malformed");

        var response = await client.PostAsync("/events", Json(template.Replace("{M}", marker, StringComparison.Ordinal)), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, detail);
        Assert.Equal(0, _app.CountStored(marker));
    }

    [Fact]
    public async Task PostingInvalidUtf8Returns400ProblemAndStoresNothing()
    {
        var client = _app.CreateClient("agent-utf8");
        var marker = Unique("utf8");
        byte[] body = [.. Encoding.UTF8.GetBytes($"{{\"source\":\"{marker}"), 0xC3, 0x28, .. "\",\"event_type\":\"cpu_usage\",\"data\":{}}"u8];

        var response = await client.PostAsync("/events", JsonBytes(body), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "UTF-8");
        Assert.Equal(0, _app.CountStored(marker));
    }

    [Theory]
    [MemberData(nameof(ApiCases.InvalidFields), MemberType = typeof(ApiCases))]
    public async Task PostingAnEventThatBreaksAFieldRuleReturns422NamingTheFieldAndStoresNothing(string template, string field)
    {
        var client = _app.CreateClient("agent-fields");
        var marker = Unique("field");

        var response = await client.PostAsync("/events", Json(template.Replace("{M}", marker, StringComparison.Ordinal)), Cancellation);

        await AssertValidationProblemAsync(response, HttpStatusCode.UnprocessableEntity, field);
        Assert.Equal(0, _app.CountStored(marker));
    }

    [Fact]
    public async Task PostingAnEventWithEveryFieldWrongReportsEveryErrorByField()
    {
        var client = _app.CreateClient("agent-fields");
        var marker = Unique("all-wrong");
        var body = $$"""{"source":"","event_type":"CPU","severity":"LOW","data":[],"timestamp":"","hostname":"{{marker}}{{new string('h', 257)}}","region":"{{new string('r', 65)}}","tags":{"a":1},"event_id":"x"}""";

        var response = await client.PostAsync("/events", Json(body), Cancellation);

        await AssertValidationProblemAsync(response, HttpStatusCode.UnprocessableEntity,
            "source", "event_type", "severity", "data", "timestamp", "hostname", "region", "tags.a", "event_id");
        Assert.Equal(0, _app.CountStored(marker));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(-(7 * 24 * 60) - 10)]
    public async Task PostingATimestampOutsideTheAcceptedWindowReturns422(int minutesFromNow)
    {
        var client = _app.CreateClient("agent-time");
        var source = Unique("time-window");
        var body = Event(source, $"\"timestamp\":\"{TimestampFromNow(TimeSpan.FromMinutes(minutesFromNow))}\"");

        var response = await client.PostAsync("/events", Json(body), Cancellation);

        await AssertValidationProblemAsync(response, HttpStatusCode.UnprocessableEntity, "timestamp");
        Assert.Equal(0, _app.CountStored(source));
    }

    [Fact]
    public async Task PostingASourceOf256EmojiIsAcceptedAndStoredExactly()
    {
        var client = _app.CreateClient("agent-emoji");
        var marker = Unique("emoji");
        var source = string.Concat(Enumerable.Repeat("\U0001F680", 256));

        var eventId = await PostAcceptedAsync(client, Event(source, $"\"hostname\":\"{marker}\""));
        var stored = await GetEventAsync(client, eventId);

        Assert.Equal(source, stored.GetProperty("source").GetString());
        Assert.Equal(marker, stored.GetProperty("hostname").GetString());
        Assert.Equal(1, _app.CountStored(marker));
    }

    [Fact]
    public async Task PostingTheLongestAllowedOptionalFieldsIsAccepted()
    {
        var client = _app.CreateClient("agent-edges");
        var source = Unique("edges");
        var tags = ApiCases.Tags(50, 128, 256);
        var body = Event(source, $$"""
            "hostname":"{{new string('h', 256)}}","region":"{{new string('r', 64)}}","tags":{{tags}}
            """);

        var eventId = await PostAcceptedAsync(client, body);
        var stored = await GetEventAsync(client, eventId);

        Assert.Equal(256, stored.GetProperty("hostname").GetString()!.Length);
        Assert.Equal(64, stored.GetProperty("region").GetString()!.Length);
        Assert.Equal(tags, stored.GetProperty("tags").GetRawText());
    }

    [Fact]
    public async Task PostingWithoutSeverityStoresInfo()
    {
        var client = _app.CreateClient("agent-severity");

        var eventId = await PostAcceptedAsync(client, Event(Unique("severity")));
        var stored = await GetEventAsync(client, eventId);

        Assert.Equal("info", stored.GetProperty("severity").GetString());
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"cpu_percent":87.5,"ratio":1.10,"count":2e5,"delta":-0.0001,"zero":0.000,"neg_zero":-0}""")]
    [InlineData("""{"max_digits":12345678901234567890123456789012345678,"big":9.99e125,"small":1e-130,"neg_big":-9.99E+125,"frac":0.12345678901234567890123456789012345678}""")]
    [InlineData("""{"flag":true,"off":false,"none":null,"list":[1,[2.50,{"x":[]}]],"empty":{},"text":"plain"}""")]
    public async Task PostingValidDataStoresItExactlyAsWritten(string data)
    {
        var client = _app.CreateClient("agent-data");

        var eventId = await PostAcceptedAsync(client, Event(Unique("data"), data: data));
        var stored = await GetEventAsync(client, eventId);

        Assert.Equal(data, stored.GetProperty("data").GetRawText());
    }

    [Fact]
    public async Task PostingDataWithEscapedStringsAndWhitespaceStoresTheSameValuesAndNumberTexts()
    {
        var client = _app.CreateClient("agent-data");
        const string Data = """{ "text" : "a\"b\\c \u00e9 \ud83d\ude80 \u0001", "n" : [ 1.50 , -0e0 ] }""";

        var eventId = await PostAcceptedAsync(client, Event(Unique("data"), data: Data));
        var stored = await GetEventAsync(client, eventId);

        using var written = JsonDocument.Parse(Data);
        var storedData = stored.GetProperty("data");
        Assert.True(JsonElement.DeepEquals(written.RootElement, storedData), storedData.GetRawText());
        Assert.Equal(["1.50", "-0e0"], Numbers(storedData.GetRawText()));
        Assert.StartsWith("{\"text\":\"", storedData.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostingDataNested30LevelsIsAccepted()
    {
        var client = _app.CreateClient("agent-depth");
        var data = ApiCases.Nested(30);

        var eventId = await PostAcceptedAsync(client, Event(Unique("depth"), data: data));
        var stored = await GetEventAsync(client, eventId);

        Assert.Equal(data, stored.GetProperty("data").GetRawText());
    }

    [Fact]
    public async Task PostingATimestampWithAnOffsetStoresItNormalisedToUtcMilliseconds()
    {
        var client = _app.CreateClient("agent-offset");
        var instant = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds());
        var written = instant.ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + ".5+02:00";
        var expected = instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + ".500Z";

        var eventId = await PostAcceptedAsync(client, Event(Unique("offset"), $"\"timestamp\":\"{written}\""));
        var stored = await GetEventAsync(client, eventId);

        Assert.Equal(expected, stored.GetProperty("timestamp").GetString());
    }

    [Fact]
    public async Task PostingAZuluTimestampWithMicrosecondsStoresMilliseconds()
    {
        var client = _app.CreateClient("agent-offset");
        var instant = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-3).ToUnixTimeSeconds());
        var written = instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + ".123456Z";

        var eventId = await PostAcceptedAsync(client, Event(Unique("micro"), $"\"timestamp\":\"{written}\""));
        var stored = await GetEventAsync(client, eventId);

        Assert.Equal(written[..^4] + "Z", stored.GetProperty("timestamp").GetString());
    }

    [Fact]
    public async Task PostingWithoutTimestampUsesTheIngestionTime()
    {
        var client = _app.CreateClient("agent-now");

        var eventId = await PostAcceptedAsync(client, Event(Unique("now")));
        var stored = await GetEventAsync(client, eventId);

        var timestamp = stored.GetProperty("timestamp").GetString()!;
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", timestamp);
        Assert.Equal(stored.GetProperty("ingested_at").GetString(), timestamp);
    }

    [Fact]
    public async Task PostingUnknownTopLevelFieldsIgnoresThemAndDoesNotStoreThem()
    {
        var client = _app.CreateClient("agent-unknown");
        var marker = Unique("unknown-value");

        var eventId = await PostAcceptedAsync(client, Event(Unique("unknown"), $$"""
            "colour":"{{marker}}","nested":{"x":[1,2,{"y":"{{marker}}"}]},"Source":"shadow"
            """));
        var stored = await GetEventAsync(client, eventId);

        var names = stored.EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.DoesNotContain("colour", names);
        Assert.DoesNotContain("nested", names);
        Assert.DoesNotContain("Source", names);
        Assert.Equal(0, _app.CountStored(marker));
    }

    [Fact]
    public async Task PostingServerOwnedFieldsIgnoresThemAndStoresTheServersValues()
    {
        var client = _app.CreateClient("agent-honest");
        var source = Unique("server-owned");

        var eventId = await PostAcceptedAsync(client, Event(source, """
            "ingested_at":"1999-01-01T00:00:00.000Z","request_id":"forged-request","source_ip":"203.0.113.66","submitted_by":"mallory","ttl":99999999999
            """));
        var stored = await GetEventAsync(client, eventId);

        Assert.Equal("agent-honest", stored.GetProperty("submitted_by").GetString());
        Assert.NotEqual("1999-01-01T00:00:00.000Z", stored.GetProperty("ingested_at").GetString());
        Assert.NotEqual("forged-request", stored.GetProperty("request_id").GetString());
        Assert.False(string.IsNullOrEmpty(stored.GetProperty("request_id").GetString()));
        Assert.False(stored.TryGetProperty("source_ip", out var ip) && ip.GetString() == "203.0.113.66");
        Assert.NotEqual(99999999999, stored.GetProperty("ttl").GetInt64());
        Assert.Equal(0, _app.CountStored("mallory"));
        Assert.Equal(0, _app.CountStored("forged-request"));
    }

    [Fact]
    public async Task PostingTheSameEventIdTwiceAcceptsBothStoresOnceAndTheFirstWriteWins()
    {
        var client = _app.CreateClient("agent-retry");
        var source = Unique("idempotent");
        var eventId = Guid.NewGuid().ToString("D");

        var first = await PostAcceptedAsync(client, Event(source, $"\"event_id\":\"{eventId}\"", data: """{"attempt":1}"""));
        var second = await PostAcceptedAsync(client, Event(source, $"\"event_id\":\"{eventId}\",\"severity\":\"critical\"", data: """{"attempt":2}"""));
        var stored = await GetEventAsync(client, eventId);
        var listed = await ListBySourceAsync(client, source);

        Assert.Equal(eventId, first);
        Assert.Equal(eventId, second);
        Assert.Equal("""{"attempt":1}""", stored.GetProperty("data").GetRawText());
        Assert.Equal("info", stored.GetProperty("severity").GetString());
        Assert.Equal(1, listed.GetArrayLength());
        Assert.Equal(1, _app.CountStoredById(eventId));
    }

    [Fact]
    public async Task PostingAnEventLargerThan256KiBReturns413AndStoresNothing()
    {
        var client = _app.CreateClient("agent-large");
        var source = Unique("too-large");
        var body = Event(source, data: $"{{\"pad\":\"{new string('x', 256 * 1024)}\"}}");

        var response = await client.PostAsync("/events", Json(body), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "larger than 262144 bytes");
        Assert.Equal(0, _app.CountStored(source));
    }

    [Fact]
    public async Task PostingAnEventOfExactly256KiBIsAccepted()
    {
        var client = _app.CreateClient("agent-large");
        var source = Unique("just-fits");
        var shell = Event(source, data: "{\"pad\":\"\"}");
        var body = Event(source, data: $"{{\"pad\":\"{new string('x', (256 * 1024) - Encoding.UTF8.GetByteCount(shell))}\"}}");

        var eventId = await PostAcceptedAsync(client, body);

        Assert.Equal(256 * 1024, Encoding.UTF8.GetByteCount(body));
        Assert.Equal(1, _app.CountStoredById(eventId));
    }

    [Fact]
    public async Task PostingAnOversizeEventWithoutContentLengthReturns413()
    {
        var client = _app.CreateClient("agent-large");
        var source = Unique("chunked");
        var body = Encoding.UTF8.GetBytes(Event(source, data: $"{{\"pad\":\"{new string('x', 300 * 1024)}\"}}"));

        var response = await client.PostAsync("/events", new UnknownLengthContent(body), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "larger than 262144 bytes");
        Assert.Equal(0, _app.CountStored(source));
    }

    [Fact]
    public async Task PostingAnEventWithoutContentLengthIsAccepted()
    {
        var client = _app.CreateClient("agent-large");
        var source = Unique("chunked-ok");

        var response = await client.PostAsync("/events", new UnknownLengthContent(Encoding.UTF8.GetBytes(Event(source))), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(1, _app.CountStored(source));
    }

    [Fact]
    public async Task PostingAGzipBodyIsAccepted()
    {
        var client = _app.CreateClient("agent-gzip");
        var source = Unique("gzip");

        var response = await client.PostAsync("/events", Gzip(Event(source)), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(1, (await ListBySourceAsync(client, source)).GetArrayLength());
    }

    [Fact]
    public async Task PostingAGzipBombReturns413AndStoresNothing()
    {
        var client = _app.CreateClient("agent-gzip");
        var source = Unique("bomb");
        var content = Gzip(Event(source, data: $"{{\"pad\":\"{new string('0', 4 * 1024 * 1024)}\"}}"));
        var compressedLength = (await content.ReadAsByteArrayAsync(Cancellation)).Length;

        var response = await client.PostAsync("/events", content, Cancellation);

        Assert.True(compressedLength < 64 * 1024, $"The compressed body is {compressedLength} bytes.");
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "decompression");
        Assert.Equal(0, _app.CountStored(source));
    }

    [Fact]
    public async Task PostingInvalidGzipReturns400()
    {
        var client = _app.CreateClient("agent-gzip");
        var source = Unique("bad-gzip");
        var content = JsonBytes(Encoding.UTF8.GetBytes(Event(source)));
        content.Headers.ContentEncoding.Add("gzip");

        var response = await client.PostAsync("/events", content, Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "gzip");
        Assert.Equal(0, _app.CountStored(source));
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/json; charset=iso-8859-1")]
    [InlineData(null)]
    public async Task PostingWithoutAJsonContentTypeReturns415(string? contentType)
    {
        var client = _app.CreateClient("agent-media");
        var source = Unique("media");
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Event(source)));
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        var response = await client.PostAsync("/events", content, Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "Content-Type: application/json");
        Assert.Equal(0, _app.CountStored(source));
    }

    [Fact]
    public async Task PostingWithAJsonContentTypeVariantIsAccepted()
    {
        var client = _app.CreateClient("agent-media");
        var content = new StringContent(Event(Unique("media-ok")), Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=UTF-8");

        var response = await client.PostAsync("/events", content, Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Theory]
    [InlineData("br")]
    [InlineData("deflate")]
    [InlineData("gzip, br")]
    public async Task PostingAnUnsupportedContentEncodingReturns415(string encoding)
    {
        var client = _app.CreateClient("agent-media");
        var source = Unique("encoding");
        var content = Json(Event(source));
        content.Headers.TryAddWithoutValidation("Content-Encoding", encoding);

        var response = await client.PostAsync("/events", content, Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "Content-Encoding");
        Assert.Equal(0, _app.CountStored(source));
    }

    /// <summary>A JSON body sent chunked: no Content-Length, so only the streaming limit can stop it.</summary>
    private sealed class UnknownLengthContent : HttpContent
    {
        private readonly byte[] _body;

        public UnknownLengthContent(byte[] body)
        {
            _body = body;
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(_body).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }

    internal static ByteArrayContent Gzip(string body)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(body));
        }

        var content = JsonBytes(buffer.ToArray());
        content.Headers.ContentEncoding.Add("gzip");
        return content;
    }

    private static List<string> Numbers(string json)
    {
        var numbers = new List<string>();
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.Number)
            {
                numbers.Add(Encoding.UTF8.GetString(reader.ValueSpan));
            }
        }

        return numbers;
    }
}
