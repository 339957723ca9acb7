using Cortex.Api.Hosting;
using Spectre.Console;

namespace Cortex.LoadTest;

/// <summary>
/// The performance targets checked in one go against one server process: single events over 64
/// connections, then batches of 100; then one table of each target with PASS/MISS and the
/// server's RSS. Every step uses the workload of the command line (--workload, default fleet),
/// which the scenario prints and writes to its report, since the batch numbers depend on it.
/// (What Cortex costs over a bare ASP.NET Core app is measured by benchmarks/compare-with-bare.sh.)
/// </summary>
public static class Scenario
{
    public const string Targets = "targets";

    public const double SingleEventsPerSecondTarget = 5_000;
    public const double SingleP99MillisecondsTarget = 25;
    public const double BatchEventsPerSecondTarget = 50_000;
    public const double RssMegabytesTarget = 250;
    public const int BatchConcurrency = 16;

    // Tiered JIT needs thousands of requests (and a free core for its background compiler) before
    // the hot path is optimised; a 5 s warm-up on a busy machine measured tier-0 code.
    public static readonly TimeSpan DefaultWarmup = TimeSpan.FromSeconds(15);

    public static IReadOnlyList<LoadSettings> TargetSteps(LoadSettings common, TimeSpan duration)
    {
        var single = common with
        {
            Mode = "single",
            Duration = duration,
            Count = null,
            Rate = null,
            Warmup = common.Warmup > TimeSpan.Zero ? common.Warmup : DefaultWarmup,
        };
        var batch = single with { Mode = "batch", BatchSize = 100, Concurrency = BatchConcurrency };
        return
        [
            single with { Name = "single", Path = null, Anonymous = false },
            batch with { Name = "batch", Path = null, Anonymous = false },
        ];
    }

    public static async Task<int> RunAsync(
        string name, LoadSettings common, double? durationSeconds, AuthOptions auth, ProcessProbe probe, string? output,
        IAnsiConsole console, CancellationToken cancellationToken)
    {
        var steps = TargetSteps(common, TimeSpan.FromSeconds(durationSeconds ?? 20));
        var lifetime = TimeSpan.FromHours(1) + (steps.Sum(s => (s.Duration ?? TimeSpan.Zero).Ticks + s.Warmup.Ticks) * TimeSpan.FromTicks(1));
        var tokens = Credentials.MintTokens(auth, steps.Max(s => s.Concurrency), lifetime);
        var machine = ReportPrinter.Machine();
        console.MarkupLineInterpolated($"[bold]{name}[/] on {machine.Host}: {machine.Cores} cores, {machine.Cpu}; load average {ProcessProbe.LoadAverage()}");
        console.MarkupLineInterpolated($"workload {common.Workload.Description}");

        var reports = new List<RunReport>();
        foreach (var step in steps)
        {
            var report = await RunExecutor.ExecuteAsync(step, tokens, probe, console, cancellationToken);
            ReportPrinter.Print(console, report);
            reports.Add(report);
        }

        var summary = Summarise(reports, probe.Sample());
        PrintSummary(console, machine, common.Workload, summary);
        if (output is not null)
        {
            await ReportPrinter.WriteJsonAsync(output, new { Scenario = name, Workload = common.Workload.Name, Machine = machine, Runs = reports, Summary = summary }, cancellationToken);
            console.MarkupLineInterpolated($"[grey]report written to {output}[/]");
        }

        return reports.All(Succeeded) ? 0 : 1;
    }

    /// <summary>A run that got no 2xx at all is a setup problem (wrong key or URL), not a measurement.</summary>
    public static bool Succeeded(RunReport report) => report.EventsAccepted > 0;

    internal static IReadOnlyList<SummaryRow> Summarise(IReadOnlyList<RunReport> reports, ServerSample? server)
    {
        var single = reports.First(r => r.Name == "single");
        var batch = reports.First(r => r.Name == "batch");
        var rows = new List<SummaryRow>
        {
            new($"single event, {single.Concurrency} connections: events/s", $">= {SingleEventsPerSecondTarget:N0}",
                single.EventsPerSecond, single.EventsPerSecond >= SingleEventsPerSecondTarget, single.LoadAverageEnd),
            new("single event: p99 latency ms", $"<= {SingleP99MillisecondsTarget}",
                single.LatencyMs.P99, single.LatencyMs.P99 <= SingleP99MillisecondsTarget, single.LoadAverageEnd),
            new($"batch of {batch.BatchSize}, {batch.Concurrency} connections: events/s", $">= {BatchEventsPerSecondTarget:N0}",
                batch.EventsPerSecond, batch.EventsPerSecond >= BatchEventsPerSecondTarget, batch.LoadAverageEnd),
        };
        if (server is not null)
        {
            var peak = server.PeakRssKilobytes / 1024.0;
            rows.Add(new("server peak RSS MB (VmHWM)", $"<= {RssMegabytesTarget}", Math.Round(peak, 1), peak <= RssMegabytesTarget, ProcessProbe.LoadAverage()));
            rows.Add(new("server RSS MB now (VmRSS)", "(info)", Math.Round(server.RssKilobytes / 1024.0, 1), null, ProcessProbe.LoadAverage()));
        }

        return rows;
    }

    private static void PrintSummary(IAnsiConsole console, MachineInfo machine, Workload workload, IReadOnlyList<SummaryRow> rows)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title(Markup.Escape($"targets, {workload} workload: {machine.Cores} cores, {machine.Date:yyyy-MM-dd HH:mm} UTC"));
        table.AddColumn("measure");
        table.AddColumn("target");
        table.AddColumn(new TableColumn("measured").RightAligned());
        table.AddColumn("result");
        table.AddColumn("load average after");
        foreach (var row in rows)
        {
            var result = row.Passed switch
            {
                true => "[green]PASS[/]",
                false => "[red]MISS[/]",
                null => "[grey]-[/]",
            };
            table.AddRow(Markup.Escape(row.Measure), Markup.Escape(row.Target), Markup.Escape(ReportPrinter.F(row.Measured, Math.Abs(row.Measured) < 10 ? "0.0000" : "N1")),
                result, Markup.Escape(row.LoadAverage));
        }

        console.Write(table);
    }
}

/// <summary>One line of the scenario's summary: a measure against its target (Passed is null for information only).</summary>
public sealed record SummaryRow(string Measure, string Target, double Measured, bool? Passed, string LoadAverage);
