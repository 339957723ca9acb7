using Cortex.LoadTest;

namespace Cortex.Tests.LoadTest;

public sealed class ScenarioTests
{
    [Fact]
    public void TargetStepsMeasureSingleEventsThenBatchesWithTokens()
    {
        var common = new LoadSettings { Url = new Uri("http://127.0.0.1:5391/"), Concurrency = 64 };

        var steps = Scenario.TargetSteps(common, TimeSpan.FromSeconds(20));

        Assert.Equal(["single", "batch"], steps.Select(s => s.Name));
        Assert.Equal(["/events", "/events/batch"], steps.Select(s => s.EffectivePath));
        Assert.Equal([false, false], steps.Select(s => s.Anonymous));
        Assert.Equal([64, Scenario.BatchConcurrency], steps.Select(s => s.Concurrency));
        Assert.All(steps.Where(s => s.IsBatch), s => Assert.Equal(100, s.BatchSize));
        Assert.All(steps, s => Assert.Equal(TimeSpan.FromSeconds(20), s.Duration));
        Assert.All(steps, s => Assert.Same(Workload.Fleet, s.Workload));
    }

    [Fact]
    public void TargetStepsUseTheWorkloadOfTheCommandLine()
    {
        var common = new LoadSettings { Url = new Uri("http://127.0.0.1:5391/"), Workload = Workload.Scattered };

        var steps = Scenario.TargetSteps(common, TimeSpan.FromSeconds(20));

        Assert.All(steps, s => Assert.Same(Workload.Scattered, s.Workload));
    }

    [Fact]
    public async Task RunReportStatesItsWorkloadInTheJsonOutput()
    {
        var settings = new LoadSettings { Url = new Uri("http://127.0.0.1:5391/"), Mode = "batch", Workload = Workload.Scattered };
        var report = RunReport.From(settings, new RunStatistics(), TimeSpan.FromSeconds(1));
        var path = Path.Combine(Path.GetTempPath(), $"cortex-report-{Guid.NewGuid():N}.json");
        try
        {
            await ReportPrinter.WriteJsonAsync(path, new { Runs = new[] { report } }, TestContext.Current.CancellationToken);

            using var document = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
            var run = document.RootElement.GetProperty("runs")[0];
            Assert.Equal("scattered", run.GetProperty("workload").GetString());
            Assert.StartsWith("scattered: a random agent per event", run.GetProperty("workload_description").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SummaryJudgesEachTarget()
    {
        RunReport[] reports =
        [
            Report("single", eventsPerSecond: 6_000, requestsPerSecond: 6_000, p99: 30),
            Report("batch", eventsPerSecond: 40_000, requestsPerSecond: 400, p99: 80),
        ];

        var rows = Scenario.Summarise(reports, new ServerSample(200 * 1024, 300 * 1024, 12));

        Assert.Equal(true, rows[0].Passed);
        Assert.Equal(false, rows[1].Passed);
        Assert.Equal(false, rows[2].Passed);
        Assert.Equal(300, rows[3].Measured);
        Assert.Equal(false, rows[3].Passed);
    }

    private static RunReport Report(string name, double eventsPerSecond, double requestsPerSecond, double p99) => new()
    {
        Name = name,
        Url = "http://127.0.0.1/",
        Mode = name.StartsWith("batch", StringComparison.Ordinal) ? "batch" : "single",
        BatchSize = 100,
        Workload = Workload.Fleet.Name,
        Concurrency = 64,
        StartedAt = DateTimeOffset.UtcNow,
        DurationSeconds = 20,
        Requests = (long)(requestsPerSecond * 20),
        EventsAccepted = (long)(eventsPerSecond * 20),
        RequestsPerSecond = requestsPerSecond,
        EventsPerSecond = eventsPerSecond,
        LatencyMs = new LatencySummary(1, 1, 1, 1, p99, p99, p99),
        StatusCounts = new Dictionary<string, long>(),
        TransportErrors = new Dictionary<string, long>(),
        Errors = 0,
        AverageJsonBytesPerRequest = 300,
        ClientCpuSeconds = 1,
        LoadAverageStart = "1.00, 1.00, 1.00",
        LoadAverageEnd = "1.00, 1.00, 1.00",
    };
}
