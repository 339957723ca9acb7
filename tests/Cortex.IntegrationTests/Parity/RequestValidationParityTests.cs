using System.Net;
using Cortex.Tests;
using static Cortex.Tests.Api;

namespace Cortex.IntegrationTests.Parity;

/// <summary>
/// The API suite's request-validation cases (tests/Cortex.Tests/ApiCases.cs, the same tables the
/// Embedded tests run) against Aws mode: the same expected status and problem, and the very same
/// answer as Embedded mode gives. Nothing here reaches AWS: every case is refused before publishing.
/// </summary>
public sealed class RequestValidationParityTests : IClassFixture<ParityApps>
{
    private readonly ParityApps _apps;

    public RequestValidationParityTests(ParityApps apps)
    {
        apps.Resources.Emulator.EnsureAvailable();
        _apps = apps;
    }

    [Theory]
    [MemberData(nameof(ApiCases.MalformedBodies), MemberType = typeof(ApiCases))]
    public async Task PostingAMalformedBodyAnswersTheSame400ProblemInBothModes(string template, string detail)
    {
        var (embedded, aws) = _apps.Clients("agent-parity-malformed");
        var body = template.Replace("{M}", Unique("parity"), StringComparison.Ordinal);

        var fromEmbedded = await embedded.PostAsync("/events", Json(body), Cancellation);
        var fromAws = await aws.PostAsync("/events", Json(body), Cancellation);

        await AssertProblemAsync(fromAws, HttpStatusCode.BadRequest, detail);
        await ParityApps.AssertSameAsync(fromEmbedded, fromAws);
    }

    [Theory]
    [MemberData(nameof(ApiCases.InvalidFields), MemberType = typeof(ApiCases))]
    public async Task PostingAnEventThatBreaksAFieldRuleAnswersTheSame422InBothModes(string template, string field)
    {
        var (embedded, aws) = _apps.Clients("agent-parity-fields");
        var body = template.Replace("{M}", Unique("parity"), StringComparison.Ordinal);

        var fromEmbedded = await embedded.PostAsync("/events", Json(body), Cancellation);
        var fromAws = await aws.PostAsync("/events", Json(body), Cancellation);

        await AssertValidationProblemAsync(fromAws, HttpStatusCode.UnprocessableEntity, field);
        await ParityApps.AssertSameAsync(fromEmbedded, fromAws);
    }

    [Theory]
    [MemberData(nameof(ApiCases.MalformedBatches), MemberType = typeof(ApiCases))]
    public async Task PostingAMalformedBatchAnswersTheSame400ProblemInBothModes(string template, string detail)
    {
        var (embedded, aws) = _apps.Clients("agent-parity-batch");
        var body = template.Replace("{M}", Unique("parity"), StringComparison.Ordinal);

        var fromEmbedded = await embedded.PostAsync("/events/batch", Json(body), Cancellation);
        var fromAws = await aws.PostAsync("/events/batch", Json(body), Cancellation);

        await AssertProblemAsync(fromAws, HttpStatusCode.BadRequest, detail);
        await ParityApps.AssertSameAsync(fromEmbedded, fromAws);
    }

    [Theory]
    [MemberData(nameof(ApiCases.BadQueries), MemberType = typeof(ApiCases))]
    public async Task ListingWithABadQueryAnswersTheSame400InBothModes(string query, string field)
    {
        var (embedded, aws) = _apps.Clients("agent-parity-query");

        var fromEmbedded = await embedded.GetAsync($"/events?{query}", Cancellation);
        var fromAws = await aws.GetAsync($"/events?{query}", Cancellation);

        await AssertValidationProblemAsync(fromAws, HttpStatusCode.BadRequest, field);
        await ParityApps.AssertSameAsync(fromEmbedded, fromAws);
    }

    [Theory]
    [MemberData(nameof(ApiCases.NonUuidEventIds), MemberType = typeof(ApiCases))]
    public async Task GettingANonUuidEventIdAnswersTheSame400InBothModes(string eventId)
    {
        var (embedded, aws) = _apps.Clients("agent-parity-get");

        var fromEmbedded = await embedded.GetAsync($"/events/{eventId}", Cancellation);
        var fromAws = await aws.GetAsync($"/events/{eventId}", Cancellation);

        await AssertProblemAsync(fromAws, HttpStatusCode.BadRequest);
        await ParityApps.AssertSameAsync(fromEmbedded, fromAws);
    }

    [Fact]
    public async Task GettingAnUnknownEventIdAnswersTheSame404InBothModes()
    {
        var (embedded, aws) = _apps.Clients("agent-parity-get");
        var eventId = Guid.CreateVersion7();

        var fromEmbedded = await embedded.GetAsync($"/events/{eventId}", Cancellation);
        var fromAws = await aws.GetAsync($"/events/{eventId}", Cancellation);

        await AssertProblemAsync(fromAws, HttpStatusCode.NotFound);
        await ParityApps.AssertSameAsync(fromEmbedded, fromAws);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData(null)]
    public async Task PostingWithoutAJsonContentTypeAnswersTheSame415InBothModes(string? contentType)
    {
        var (embedded, aws) = _apps.Clients("agent-parity-type");
        HttpContent Body()
        {
            var content = new StringContent(Event(Unique("parity")));
            content.Headers.ContentType = contentType is null ? null : new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
            return content;
        }

        var fromEmbedded = await embedded.PostAsync("/events", Body(), Cancellation);
        var fromAws = await aws.PostAsync("/events", Body(), Cancellation);

        await AssertProblemAsync(fromAws, HttpStatusCode.UnsupportedMediaType);
        await ParityApps.AssertSameAsync(fromEmbedded, fromAws);
    }

    [Fact]
    public async Task PostingAnEventLargerThan256KiBAnswersTheSame413InBothModes()
    {
        var (embedded, aws) = _apps.Clients("agent-parity-size");
        var body = Event(Unique("parity"), data: $$"""{"pad":"{{new string('x', 256 * 1024)}}"}""");

        var fromEmbedded = await embedded.PostAsync("/events", Json(body), Cancellation);
        var fromAws = await aws.PostAsync("/events", Json(body), Cancellation);

        await AssertProblemAsync(fromAws, HttpStatusCode.RequestEntityTooLarge);
        await ParityApps.AssertSameAsync(fromEmbedded, fromAws);
    }
}
