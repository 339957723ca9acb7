using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Cortex.Tests.Process;
using static Cortex.Tests.Api;
using OsProcess = System.Diagnostics.Process;

namespace Cortex.Tests.Intake;

/// <summary>
/// The real collectd (Debian's collectd-core, which .ci/run installs) reads cpu, memory and
/// interface every second and posts them with write_http (Format "JSON", a Bearer token) to the
/// app running as a process on a loopback port; the events must then be listed by GET /events.
/// </summary>
public sealed class CollectdClientTests
{
    private const string CollectdPath = "/usr/sbin/collectd";
    private static readonly TimeSpan ArrivalDeadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task CollectdsCpuAndMemoryValuesBecomeEventsListedWithTheirHostAndNumbers()
    {
        RequireCollectd();
        var directory = Path.Combine(Path.GetTempPath(), "cortex-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var host = Unique("collectd-real");
        try
        {
            await using var app = await AppProcess.StartAsync(Path.Combine(directory, "cortex.db"), cancellationToken: Cancellation);
            using var reader = app.CreateClient("collectd-test-reader", "events:read");
            var configPath = Path.Combine(directory, "collectd.conf");
            await File.WriteAllTextAsync(configPath, Config(host, app.BaseAddress, CortexApplication.Token("collectd-agent", "events:write"), directory), Cancellation);

            using var collectd = StartCollectd(configPath, out var output);
            try
            {
                var cpu = await WaitForEventsAsync(reader, host, "cpu_usage", collectd, output);
                var memory = await WaitForEventsAsync(reader, host, "memory_usage", collectd, output);

                var cpuEvent = cpu[0];
                Assert.Equal(host, cpuEvent.GetProperty("source").GetString());
                Assert.Equal("cpu", cpuEvent.GetProperty("data").GetProperty("plugin").GetString());
                Assert.Equal("percent", cpuEvent.GetProperty("data").GetProperty("type").GetString());
                foreach (var e in cpu)
                {
                    foreach (var value in e.GetProperty("data").GetProperty("values").EnumerateObject())
                    {
                        Assert.InRange(value.Value.GetDouble(), 0, 100);
                    }
                }

                var memTotal = MemTotalBytes();
                var used = memory.First(e => e.GetProperty("data").GetProperty("type_instance").GetString() == "used");
                Assert.Equal(host, used.GetProperty("source").GetString());
                Assert.Equal("memory", used.GetProperty("data").GetProperty("plugin").GetString());
                Assert.Equal("gauge", used.GetProperty("data").GetProperty("dstypes").GetProperty("value").GetString());
                Assert.InRange(used.GetProperty("data").GetProperty("values").GetProperty("value").GetDouble(), 1, memTotal);
                var timestamp = DateTimeOffset.Parse(used.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture);
                Assert.InRange(timestamp, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
            }
            finally
            {
                collectd.Kill(entireProcessTree: true);
                await collectd.WaitForExitAsync(CancellationToken.None);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static void RequireCollectd()
    {
        if (File.Exists(CollectdPath))
        {
            return;
        }

        var message = $"{CollectdPath} is missing: install collectd-core (.ci/run does).";
        Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase), message);
        Assert.Skip(message);
    }

    // collectd's parser needs the last line to end with a newline.
    private static string Config(string host, Uri app, string token, string directory) => $$"""
        Hostname "{{host}}"
        FQDNLookup false
        Interval 1
        BaseDir "{{directory}}"
        PIDFile "{{Path.Combine(directory, "collectd.pid")}}"
        PluginDir "/usr/lib/collectd"
        TypesDB "/usr/share/collectd/types.db"
        LoadPlugin logfile
        <Plugin logfile>
          LogLevel info
          File STDOUT
        </Plugin>
        LoadPlugin cpu
        <Plugin cpu>
          ReportByCpu false
          ReportByState true
          ValuesPercentage true
        </Plugin>
        LoadPlugin memory
        LoadPlugin interface
        <LoadPlugin write_http>
          FlushInterval 1
        </LoadPlugin>
        <Plugin write_http>
          <Node "cortex">
            URL "{{new Uri(app, "/intake/collectd")}}"
            Format "JSON"
            Header "Authorization: Bearer {{token}}"
            LogHttpError true
            Timeout 10000
          </Node>
        </Plugin>

        """;

    private static OsProcess StartCollectd(string configPath, out StringBuilder output)
    {
        var lines = new StringBuilder();
        var process = new OsProcess
        {
            StartInfo = new ProcessStartInfo(CollectdPath, ["-f", "-C", configPath])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            },
        };
        process.OutputDataReceived += (_, e) => Append(lines, e.Data);
        process.ErrorDataReceived += (_, e) => Append(lines, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        output = lines;
        return process;
    }

    private static void Append(StringBuilder lines, string? line)
    {
        if (line is not null)
        {
            lock (lines)
            {
                lines.AppendLine(line);
            }
        }
    }

    private static async Task<JsonElement[]> WaitForEventsAsync(HttpClient client, string host, string eventType, OsProcess collectd, StringBuilder output)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var response = await client.GetAsync(
                new Uri($"/events?source={Uri.EscapeDataString(host)}&event_type={eventType}&limit=1000", UriKind.Relative), Cancellation);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var items = (await ReadJsonAsync(response)).GetProperty("items").EnumerateArray().ToArray();
            if (items.Length > 0 && (eventType != "memory_usage" || items.Any(IsMemoryUsed)))
            {
                return items;
            }

            if (collectd.HasExited || deadline.Elapsed > ArrivalDeadline)
            {
                string text;
                lock (output)
                {
                    text = output.ToString();
                }

                Assert.Fail($"No {eventType} event from collectd (exited: {collectd.HasExited}). collectd said:\n{text}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), Cancellation);
        }

        static bool IsMemoryUsed(JsonElement e) => e.GetProperty("data").GetProperty("type_instance").GetString() == "used";
    }

    private static double MemTotalBytes()
    {
        var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        var kib = double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return kib * 1024;
    }
}
