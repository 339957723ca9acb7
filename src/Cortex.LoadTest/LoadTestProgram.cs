using System.CommandLine;
using Cortex.Api.Hosting;
using Spectre.Console;

namespace Cortex.LoadTest;

/// <summary>
/// `dotnet run -c Release --project src/Cortex.LoadTest -- --url http://127.0.0.1:5080 ...`:
/// sends real signed requests to a running Cortex and reports throughput and latency.
/// </summary>
public static class LoadTestProgram
{
    public static async Task<int> Main(string[] args)
    {
        var url = new Option<string>("--url") { Description = "Base URL of the Cortex instance.", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var mode = new Option<string>("--mode") { Description = "single: POST /events; batch: POST /events/batch; otlp: POST /v1/logs, OTLP/HTTP protobuf logs.", DefaultValueFactory = _ => "single" };
        mode.AcceptOnlyFromAmong("single", "batch", "otlp");
        var batchSize = new Option<int>("--batch-size") { Description = "Events per batch request, log records per OTLP export.", DefaultValueFactory = _ => 100 };
        var workload = new Option<string>("--workload")
        {
            Description = "How events are spread over 1000 agents and time; timestamps are stamped at send time as now minus each event's age. "
                + "fleet: a batch holds one agent's events, ages 0-2000 ms (each agent flushes every 2 s at 50,000 events/s); "
                + "scattered: every event from a random agent, ages 0-60000 ms (a stress case for the server's indexes).",
            DefaultValueFactory = _ => Workload.Fleet.Name,
        };
        workload.AcceptOnlyFromAmong([.. Workload.All.Select(w => w.Name)]);
        var concurrency = new Option<int>("--concurrency", "-c")
        {
            Description = "Connections (one agent token each); in closed loop also the requests in flight, with --rate the cap on them.",
            DefaultValueFactory = _ => 64,
        };
        var rate = new Option<double?>("--rate") { Description = "Target requests per second (open loop). Without it: closed loop." };
        var duration = new Option<double?>("--duration", "-d") { Description = "Seconds to send load (default 10 when --count is not given)." };
        var count = new Option<long?>("--count", "-n") { Description = "Requests to send." };
        var warmup = new Option<double>("--warmup") { Description = "Seconds of unrecorded load first.", DefaultValueFactory = _ => 0 };
        var signingKey = new Option<string?>("--signing-key")
        {
            Description = $"HS256 key; default: env {Credentials.KeyEnvironmentVariable}, else src/Cortex.Api/appsettings.Development.json.",
        };
        var issuer = new Option<string>("--issuer") { DefaultValueFactory = _ => "cortex" };
        var audience = new Option<string>("--audience") { DefaultValueFactory = _ => "cortex-api" };
        var path = new Option<string?>("--path") { Description = "Request path (default /events, /events/batch or /v1/logs)." };
        var anonymous = new Option<bool>("--anonymous") { Description = "Send no token (for a server without auth, such as benchmarks/Cortex.Bare)." };
        var gzip = new Option<bool>("--gzip")
        {
            Description = "Send gzip-compressed bodies (Content-Encoding: gzip); each request is compressed when sent, which costs the load tool CPU.",
        };
        var output = new Option<string?>("--output", "-o") { Description = "Write the report(s) as JSON to this file." };
        var pid = new Option<int?>("--pid") { Description = "The server's process id: report its RSS (VmRSS/VmHWM) and CPU from /proc." };
        var timeout = new Option<double>("--timeout") { Description = "Seconds before a request counts as a timeout.", DefaultValueFactory = _ => 30 };
        var seed = new Option<int>("--seed") { Description = "Random seed for the generated events.", DefaultValueFactory = _ => 42 };
        var scenario = new Option<string?>("--scenario")
        {
            Description = "targets: measure single events, then batches, and print a table of each performance target with PASS/MISS.",
        };
        scenario.AcceptOnlyFromAmong(Scenario.Targets);

        var command = new RootCommand("Cortex load generator: signed requests from a fleet of simulated agents.")
        {
            url, mode, batchSize, workload, concurrency, rate, duration, count, warmup, signingKey, issuer, audience, path, anonymous, gzip, output, pid, timeout, seed, scenario,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var console = AnsiConsole.Console;
            if (!console.Profile.Capabilities.Interactive)
            {
                // Redirected to a file or a CI log: 80 columns would wrap every table.
                console.Profile.Width = Math.Max(console.Profile.Width, 140);
            }

            var problems = new List<string>();
            if (!Uri.TryCreate(parse.GetValue(url), UriKind.Absolute, out var baseUrl))
            {
                problems.Add("--url must be an absolute URL.");
            }

            if (parse.GetValue(batchSize) is < 1 or > 10_000)
            {
                problems.Add("--batch-size must be 1 to 10000.");
            }

            if (parse.GetValue(concurrency) is < 1 or > 10_000)
            {
                problems.Add("--concurrency must be 1 to 10000.");
            }

            if (parse.GetValue(rate) is <= 0 || parse.GetValue(duration) is <= 0 || parse.GetValue(count) is <= 0 || parse.GetValue(warmup) < 0)
            {
                problems.Add("--rate, --duration and --count must be positive, --warmup not negative.");
            }

            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    console.MarkupLineInterpolated($"[red]{problem}[/]");
                }

                return 2;
            }

            var settings = new LoadSettings
            {
                Name = "run",
                Url = baseUrl!,
                Mode = parse.GetValue(mode)!,
                BatchSize = parse.GetValue(batchSize),
                Workload = Workload.Parse(parse.GetValue(workload)!),
                Concurrency = parse.GetValue(concurrency),
                Rate = parse.GetValue(rate),
                Duration = parse.GetValue(duration) is { } seconds ? TimeSpan.FromSeconds(seconds)
                    : parse.GetValue(count) is null ? TimeSpan.FromSeconds(10) : null,
                Count = parse.GetValue(count),
                Warmup = TimeSpan.FromSeconds(parse.GetValue(warmup)),
                Path = parse.GetValue(path),
                Anonymous = parse.GetValue(anonymous),
                Gzip = parse.GetValue(gzip),
                Timeout = TimeSpan.FromSeconds(parse.GetValue(timeout)),
                Seed = parse.GetValue(seed),
            };

            (string Key, string Origin) key;
            try
            {
                key = Credentials.ResolveSigningKey(parse.GetValue(signingKey));
            }
            catch (InvalidOperationException ex)
            {
                console.MarkupLineInterpolated($"[red]{ex.Message}[/]");
                return 2;
            }

            var auth = new AuthOptions { SigningKey = key.Key, Issuer = parse.GetValue(issuer)!, Audience = parse.GetValue(audience)! };
            console.MarkupLineInterpolated($"[grey]signing key from {key.Origin}; issuer {auth.Issuer}; audience {auth.Audience}[/]");
            var probe = new ProcessProbe(parse.GetValue(pid));
            var chosen = parse.GetValue(scenario);
            return chosen is null
                ? await RunOnceAsync(settings, auth, probe, parse.GetValue(output), console, cancellationToken)
                : await Scenario.RunAsync(chosen, settings, parse.GetValue(duration), auth, probe, parse.GetValue(output), console, cancellationToken);
        });

        return await command.Parse(args).InvokeAsync();
    }

    private static async Task<int> RunOnceAsync(
        LoadSettings settings, AuthOptions auth, ProcessProbe probe, string? output, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var lifetime = TimeSpan.FromHours(1) + settings.Warmup + (settings.Duration ?? TimeSpan.FromHours(1));
        var tokens = Credentials.MintTokens(auth, settings.Concurrency, lifetime);
        var report = await RunExecutor.ExecuteAsync(settings, tokens, probe, console, cancellationToken);
        ReportPrinter.Print(console, report);
        if (output is not null)
        {
            await ReportPrinter.WriteJsonAsync(output, new { Machine = ReportPrinter.Machine(), Runs = new[] { report } }, cancellationToken);
            console.MarkupLineInterpolated($"[grey]report written to {output}[/]");
        }

        return Scenario.Succeeded(report) ? 0 : 1;
    }
}
