using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Cortex.LoadTest;

/// <summary>Runs one load run with live progress, samples the server process, and builds its report.</summary>
public static class RunExecutor
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    public static async Task<RunReport> ExecuteAsync(
        LoadSettings settings, IReadOnlyList<string> tokens, ProcessProbe probe, IAnsiConsole console, CancellationToken cancellationToken)
    {
        using var runner = new LoadRunner(settings, tokens);
        if (settings.Warmup > TimeSpan.Zero)
        {
            console.MarkupLine(CultureInfo.InvariantCulture, "[grey]{0}: warming up for {1:0.#} s[/]", Markup.Escape(settings.Name), settings.Warmup.TotalSeconds);
            await runner.WarmupAsync(cancellationToken);
        }

        var statistics = new RunStatistics();
        var loadStart = ProcessProbe.LoadAverage();
        var serverStart = probe.Sample();
        var clientCpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        var peakRss = serverStart?.RssKilobytes ?? 0;

        var run = runner.RunAsync(statistics, cancellationToken);
        var progress = new Progress(settings, statistics, runner);
        if (console.Profile.Capabilities.Interactive)
        {
            await console.Live(progress.Render(null)).AutoClear(false).StartAsync(async context =>
            {
                while (!run.IsCompleted)
                {
                    await Task.WhenAny(run, Task.Delay(ProgressInterval, CancellationToken.None));
                    var sample = probe.Sample();
                    peakRss = Math.Max(peakRss, sample?.RssKilobytes ?? 0);
                    context.UpdateTarget(progress.Render(sample));
                }
            });
        }
        else
        {
            var ticks = 0;
            while (!run.IsCompleted)
            {
                await Task.WhenAny(run, Task.Delay(ProgressInterval, CancellationToken.None));
                var sample = probe.Sample();
                peakRss = Math.Max(peakRss, sample?.RssKilobytes ?? 0);
                if (++ticks % 5 == 0 && !run.IsCompleted)
                {
                    console.WriteLine(progress.Line(sample));
                }
            }
        }

        var elapsed = await run;
        var serverEnd = probe.Sample();
        var report = RunReport.From(settings, statistics, elapsed) with
        {
            AverageJsonBytesPerRequest = Math.Round(runner.AverageBodyBytes, 1),
            ClientCpuSeconds = Math.Round((Process.GetCurrentProcess().TotalProcessorTime - clientCpuStart).TotalSeconds, 2),
            LoadAverageStart = loadStart,
            LoadAverageEnd = ProcessProbe.LoadAverage(),
            Server = ServerReportFrom(probe, serverStart, serverEnd, Math.Max(peakRss, serverEnd?.RssKilobytes ?? 0), elapsed, statistics.EventsAccepted),
        };
        return report;
    }

    private static ServerReport? ServerReportFrom(
        ProcessProbe probe, ServerSample? start, ServerSample? end, long peakRssKilobytes, TimeSpan elapsed, long events)
    {
        if (probe.Pid is not { } pid || start is null || end is null)
        {
            return null;
        }

        var cpu = end.CpuSeconds - start.CpuSeconds;
        return new ServerReport(
            pid,
            Math.Round(peakRssKilobytes / 1024.0, 1),
            Math.Round(end.PeakRssKilobytes / 1024.0, 1),
            Math.Round(end.RssKilobytes / 1024.0, 1),
            Math.Round(cpu, 2),
            Math.Round(cpu / Math.Max(elapsed.TotalSeconds, 1e-9), 2),
            events == 0 ? 0 : Math.Round(cpu * 1000 / events * 1000, 2));
    }

    /// <summary>Live numbers: totals so far and rates over the last interval.</summary>
    private sealed class Progress(LoadSettings settings, RunStatistics statistics, LoadRunner runner)
    {
        private static readonly string[] Columns = ["elapsed", "requests", "req/s", "events/s", "errors", "in flight", "p99 ms", "server RSS MB"];
        private static readonly string[] Keys = ["t", "requests", "req/s", "events/s", "errors", "in-flight", "p99ms", "rssMB"];
        private readonly long _started = Stopwatch.GetTimestamp();
        private long _lastTimestamp = Stopwatch.GetTimestamp();
        private long _lastRequests;
        private long _lastEvents;
        private double _requestRate;
        private double _eventRate;

        public Table Render(ServerSample? server)
        {
            Advance();
            var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape($"{settings.Name}: {settings.Mode}, {settings.Workload} workload -> {settings.Target}"));
            foreach (var column in Columns)
            {
                table.AddColumn(new TableColumn(column).RightAligned());
            }

            table.AddRow(Cells(server));
            return table;
        }

        public string Line(ServerSample? server)
        {
            Advance();
            return $"{settings.Name}: " + string.Join("  ", Keys.Zip(Cells(server), (name, value) => $"{name}={value}"));
        }

        private string[] Cells(ServerSample? server) =>
        [
            Stopwatch.GetElapsedTime(_started).TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + " s",
            statistics.Requests.ToString("N0", CultureInfo.InvariantCulture),
            _requestRate.ToString("N0", CultureInfo.InvariantCulture),
            _eventRate.ToString("N0", CultureInfo.InvariantCulture),
            statistics.Errors.ToString("N0", CultureInfo.InvariantCulture),
            runner.InFlight.ToString(CultureInfo.InvariantCulture),
            (statistics.Latency.GetValueAtPercentile(99) / 1000.0).ToString("0.0", CultureInfo.InvariantCulture),
            server is null ? "-" : (server.RssKilobytes / 1024.0).ToString("0", CultureInfo.InvariantCulture),
        ];

        private void Advance()
        {
            var now = Stopwatch.GetTimestamp();
            var seconds = Stopwatch.GetElapsedTime(_lastTimestamp, now).TotalSeconds;
            if (seconds < 0.2)
            {
                return;
            }

            var requests = statistics.Requests;
            var events = statistics.EventsAccepted;
            _requestRate = (requests - _lastRequests) / seconds;
            _eventRate = (events - _lastEvents) / seconds;
            _lastRequests = requests;
            _lastEvents = events;
            _lastTimestamp = now;
        }
    }
}
