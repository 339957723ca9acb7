using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cortex.Api.Hosting;
using static Cortex.Tests.Api;

namespace Cortex.Tests.Operations;

/// <summary>Operator request bodies are read by the same strict rules as event bodies.</summary>
[Collection(SharedApplicationCollection.Name)]
public sealed class DeadLetterRequestTests(CortexApplicationFixture fixture)
{
    private readonly HttpClient _admin = fixture.App.CreateClient("dlq-request-admin", Scopes.Admin);

    public static TheoryData<string, string, string> RefusedBodies => new()
    {
        // path, body, what the problem names
        { "/operations/dead-letters/purge", """{"confirm":"nope","confirm":"{queue}"}""", "duplicate" },
        { "/operations/dead-letters/purge", """{"confirm":"{queue}"} {}""", "JSON" },
        { "/operations/dead-letters/purge", """{"confirm":["{queue}"]}""", "confirm" },
        { "/operations/dead-letters/purge", """["{queue}"]""", "object" },
        { "/operations/dead-letters/replay", """{"max_messages":5,"max_messages":6}""", "duplicate" },
        { "/operations/dead-letters/replay", """{"max_messages":"5"}""", "max_messages" },
        { "/operations/dead-letters/replay", """{"max_per_second":"10"}""", "max_per_second" },
        { "/operations/dead-letters/replay", """{"max_messages":5.5}""", "max_messages" },
        { "/operations/dead-letters/replay", """{"max_messages":5""", "JSON" },
    };

    [Theory]
    [MemberData(nameof(RefusedBodies))]
    public async Task ALooselyWrittenOperatorBodyIsRefusedWith400(string path, string body, string named)
    {
        var queue = await QueueNameAsync();

        var response = await _admin.PostAsync(path, Json(body.Replace("{queue}", queue, StringComparison.Ordinal)), Cancellation);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(named, problem.GetRawText(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AStrictlyWrittenPurgeAndReplayAreServed()
    {
        var queue = await QueueNameAsync();

        var purge = await _admin.PostAsync("/operations/dead-letters/purge", Json($$"""{"confirm":"{{queue}}"}"""), Cancellation);
        var replay = await _admin.PostAsync("/operations/dead-letters/replay", Json("""{"max_messages":5,"max_per_second":10,"unknown":1}"""), Cancellation);
        var replayWithoutBody = await _admin.PostAsync("/operations/dead-letters/replay", null, Cancellation);

        Assert.Equal(HttpStatusCode.OK, purge.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replayWithoutBody.StatusCode);
    }

    [Fact]
    public async Task AnOperatorBodyThatIsNotJsonIsRefusedWith415()
    {
        var response = await _admin.PostAsync("/operations/dead-letters/purge", new StringContent("""{"confirm":"x"}"""), Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    private async Task<string> QueueNameAsync() =>
        (await _admin.GetFromJsonAsync<JsonElement>("/operations/dead-letters", Cancellation)).GetProperty("queue").GetString()!;
}
