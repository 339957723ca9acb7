using System.Text;
using Cortex.Api.Intake.Otlp.Proto;
using Cortex.Bare;
using Cortex.LoadTest;
using Google.Protobuf;

namespace Cortex.Tests.LoadTest;

public sealed class LoadRunnerTests : IClassFixture<LoadRunnerTests.AppFixture>
{
    private readonly CortexApplication _app;

    public LoadRunnerTests(AppFixture fixture) => _app = fixture.App;

    [Fact]
    public async Task SingleEventRunPostsSignedValidEventsThatAreAllAccepted()
    {
        var settings = Settings(mode: "single", count: 40);
        var statistics = new RunStatistics();
        using var runner = new LoadRunner(settings, Tokens(settings.Concurrency), _app.Server.CreateHandler());

        await runner.RunAsync(statistics, TestContext.Current.CancellationToken);

        Assert.Equal(new Dictionary<int, long> { [202] = 40 }, statistics.StatusCounts());
        Assert.Equal(40, statistics.EventsAccepted);
        Assert.Equal(40, statistics.Latency.TotalCount);
        Assert.Empty(statistics.TransportErrors());
    }

    [Fact]
    public async Task GzipBatchRunCountsEveryEventOfEveryBatch()
    {
        var settings = Settings(mode: "batch", count: 6) with { BatchSize = 25, Gzip = true };
        var statistics = new RunStatistics();
        using var runner = new LoadRunner(settings, Tokens(settings.Concurrency), _app.Server.CreateHandler());

        await runner.RunAsync(statistics, TestContext.Current.CancellationToken);

        Assert.Equal(new Dictionary<int, long> { [202] = 6 }, statistics.StatusCounts());
        Assert.Equal(150, statistics.EventsAccepted);
    }

    [Fact]
    public async Task ScatteredBatchRunIsAcceptedWithItsMinuteOldTimestamps()
    {
        var settings = Settings(mode: "batch", count: 4) with { BatchSize = 50, Workload = Workload.Scattered };
        var statistics = new RunStatistics();
        using var runner = new LoadRunner(settings, Tokens(settings.Concurrency), _app.Server.CreateHandler());

        await runner.RunAsync(statistics, TestContext.Current.CancellationToken);

        Assert.Equal(new Dictionary<int, long> { [202] = 4 }, statistics.StatusCounts());
        Assert.Equal(200, statistics.EventsAccepted);
    }

    [Fact]
    public async Task OtlpRunPostsProtobufLogExportsWhoseRecordsAreAllAccepted()
    {
        var settings = Settings(mode: "otlp", count: 6) with { BatchSize = 40 };
        var statistics = new RunStatistics();
        using var runner = new LoadRunner(settings, Tokens(settings.Concurrency), _app.Server.CreateHandler());

        await runner.RunAsync(statistics, TestContext.Current.CancellationToken);

        Assert.Equal("/v1/logs", settings.Target.AbsolutePath);
        Assert.Equal(new Dictionary<int, long> { [200] = 6 }, statistics.StatusCounts());
        Assert.Equal(240, statistics.EventsAccepted);
        Assert.Equal(0, statistics.EventsRejected);
    }

    [Fact]
    public void OtlpOutcomeCountsThePartialSuccessRejectionsApartFromTheAccepted()
    {
        var partial = new ExportLogsServiceResponse { PartialSuccess = new ExportLogsPartialSuccess { RejectedLogRecords = 7, ErrorMessage = "too old" } };

        Assert.Equal((93, 7), LoadRunner.OtlpOutcome(200, 100, partial.ToByteArray()));
        Assert.Equal((100, 0), LoadRunner.OtlpOutcome(200, 100, new ExportLogsServiceResponse().ToByteArray()));
        Assert.Equal((0, 0), LoadRunner.OtlpOutcome(503, 100, partial.ToByteArray()));
    }

    [Fact]
    public async Task OpenLoopRunSendsExactlyTheRequestedCount()
    {
        var settings = Settings(mode: "single", count: 20) with { Rate = 2_000 };
        var statistics = new RunStatistics();
        using var runner = new LoadRunner(settings, Tokens(settings.Concurrency), _app.Server.CreateHandler());

        await runner.RunAsync(statistics, TestContext.Current.CancellationToken);

        Assert.Equal(new Dictionary<int, long> { [202] = 20 }, statistics.StatusCounts());
        Assert.Equal(0, runner.InFlight);
    }

    [Fact]
    public async Task AnonymousRunAgainstTheBareAppIsAcceptedButAgainstCortexIsUnauthorized()
    {
        await using var bare = BareApp.Build(["--urls", "http://127.0.0.1:0"]);
        await bare.StartAsync(TestContext.Current.CancellationToken);
        var baseline = Settings(mode: "single", count: 10) with { Url = new Uri(bare.Urls.First()), Anonymous = true };
        var events = Settings(mode: "single", count: 10) with { Anonymous = true };
        var baselineStatistics = new RunStatistics();
        var eventsStatistics = new RunStatistics();
        using var baselineRunner = new LoadRunner(baseline, [], new SocketsHttpHandler());
        using var eventsRunner = new LoadRunner(events, [], _app.Server.CreateHandler());

        await baselineRunner.RunAsync(baselineStatistics, TestContext.Current.CancellationToken);
        await eventsRunner.RunAsync(eventsStatistics, TestContext.Current.CancellationToken);

        Assert.Equal(new Dictionary<int, long> { [202] = 10 }, baselineStatistics.StatusCounts());
        Assert.Equal(new Dictionary<int, long> { [401] = 10 }, eventsStatistics.StatusCounts());
        Assert.Equal(10, eventsStatistics.Errors);
        Assert.Equal(0, eventsStatistics.EventsAccepted);
    }

    [Fact]
    public async Task TokensSignedWithAnotherKeyAreRejected()
    {
        var settings = Settings(mode: "single", count: 5);
        var wrongKey = new Cortex.Api.Hosting.AuthOptions { SigningKey = "some-other-signing-key-0123456789abcdefghij", Issuer = "cortex", Audience = "cortex-api" };
        var statistics = new RunStatistics();
        using var runner = new LoadRunner(settings, Credentials.MintTokens(wrongKey, 2, TimeSpan.FromMinutes(5)), _app.Server.CreateHandler());

        await runner.RunAsync(statistics, TestContext.Current.CancellationToken);

        Assert.Equal(new Dictionary<int, long> { [401] = 5 }, statistics.StatusCounts());
    }

    [Theory]
    [InlineData(202, 100)]
    [InlineData(400, 0)]
    [InlineData(429, 0)]
    [InlineData(503, 0)]
    public void AcceptedEventsCountsAWholeRequestOnlyOn202(int status, int expected)
    {
        Assert.Equal(expected, LoadRunner.AcceptedEvents(status, 100, "{}"u8));
    }

    [Fact]
    public void AcceptedEventsReadsThePartialCountOf207()
    {
        var body = Encoding.UTF8.GetBytes("""{"accepted":61,"rejected":39,"failed":0,"results":[{"index":0,"status":"accepted"}]}""");

        Assert.Equal(61, LoadRunner.AcceptedEvents(207, 100, body));
        Assert.Equal(0, LoadRunner.AcceptedEvents(207, 100, "not json"u8));
    }

    private static LoadSettings Settings(string mode, long count) => new()
    {
        Name = "test",
        Url = new Uri("http://localhost/"),
        Mode = mode,
        Concurrency = 4,
        Count = count,
    };

    private static string[] Tokens(int count) => Credentials.MintTokens(CortexApplication.Auth, count, TimeSpan.FromMinutes(5));

    public sealed class AppFixture : IDisposable
    {
        public CortexApplication App { get; } = new();

        public void Dispose() => App.Dispose();
    }
}
