using Cortex.Api.Hosting;
using Cortex.Api.Ports;
using Cortex.Api.Query;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace Cortex.Tests.Query;

/// <summary>
/// The GET /events handler called directly, without the endpoint pipeline: it must be correct on
/// its own, whatever filters did or did not run before it.
/// </summary>
public sealed class ListEventsHandlerTests
{
    private static readonly IOptions<QueryOptions> Options = Microsoft.Extensions.Options.Options.Create(
        new QueryOptions { CursorKey = "cursor-key-for-handler-tests-0123456789" });

    private readonly ITelemetryStore _store = Substitute.For<ITelemetryStore>();
    private readonly CursorCodec _cursors = new(Options, Microsoft.Extensions.Options.Options.Create(new AuthOptions()));

    public ListEventsHandlerTests()
    {
        _store.QueryAsync(Arg.Any<EventQuery>(), Arg.Any<CancellationToken>()).Returns(new EventPage([], null));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("1001")]
    [InlineData(" 5")]
    [InlineData("-1")]
    public async Task ALimitThatIsNotAWholeNumberInRangeIsA400ProblemAndNothingIsQueried(string limit)
    {
        var result = await ListAsync(Request() with { Limit = limit });

        AssertValidationProblem(result, "limit");
        await _store.DidNotReceiveWithAnyArgs().QueryAsync(default!, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task ATamperedCursorIsA400ProblemAndNeverIgnored()
    {
        var request = Request() with { Source = "web-01" };
        var cursor = _cursors.Encode(new EventPosition(1_795_429_234_567, Guid.NewGuid()), request.Filter);
        var tampered = cursor[..10] + (cursor[10] == 'A' ? 'B' : 'A') + cursor[11..];

        var result = await ListAsync(request with { Cursor = tampered });

        AssertValidationProblem(result, "cursor");
        await _store.DidNotReceiveWithAnyArgs().QueryAsync(default!, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task ACursorOfAQueryWithOtherFiltersIsA400Problem()
    {
        var cursor = _cursors.Encode(new EventPosition(1_795_429_234_567, Guid.NewGuid()), (Request() with { Source = "web-01" }).Filter);

        var result = await ListAsync(Request() with { Source = "web-02", Cursor = cursor });

        var errors = AssertValidationProblem(result, "cursor");
        Assert.Contains("other filters", errors["cursor"][0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryBadParameterIsReportedInOneProblem()
    {
        var result = await ListAsync(Request() with { From = "yesterday", Limit = "many", Cursor = "not-a-cursor" });

        var errors = AssertValidationProblem(result, "from");
        Assert.Contains("limit", errors.Keys);
        Assert.Contains("cursor", errors.Keys);
    }

    [Fact]
    public async Task AValidCursorAndLimitReachTheStoreAsTheyWereSent()
    {
        var request = Request() with { Source = "web-01", Limit = "7" };
        var position = new EventPosition(1_795_429_234_567, Guid.NewGuid());

        var result = await ListAsync(request with { Cursor = _cursors.Encode(position, request.Filter) });

        Assert.IsType<ContentHttpResult>(result.Result);
        await _store.Received(1).QueryAsync(
            Arg.Is<EventQuery>(q => q.Source == "web-01" && q.Limit == 7 && q.After == position), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task WithoutALimitTheConfiguredDefaultIsUsed()
    {
        await ListAsync(Request());

        await _store.Received(1).QueryAsync(Arg.Is<EventQuery>(q => q.Limit == Options.Value.DefaultLimit && q.After == null), Arg.Any<CancellationToken>());
    }

    private static QueryRequest Request() => new(null, null, null, null, null, null, null, [], []);

    private Task<Results<ContentHttpResult, ProblemHttpResult>> ListAsync(QueryRequest request) =>
        QueryApi.ListEventsAsync(request, new QueryRequestValidator(Options), _store, _cursors, Options, TestContext.Current.CancellationToken);

    private static IDictionary<string, string[]> AssertValidationProblem(Results<ContentHttpResult, ProblemHttpResult> result, string field)
    {
        var problem = Assert.IsType<ProblemHttpResult>(result.Result);
        Assert.Equal(StatusCodes.Status400BadRequest, problem.StatusCode);
        var details = Assert.IsType<HttpValidationProblemDetails>(problem.ProblemDetails);
        Assert.Contains(field, details.Errors.Keys);
        return details.Errors;
    }
}
