using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace Cortex.LoadTest;

/// <summary>Prints reports as tables and writes them as JSON.</summary>
public static class ReportPrinter
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static void Print(IAnsiConsole console, RunReport report)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape($"{report.Name}: {report.Mode}, {report.Workload} workload -> {report.Url}"));
        table.AddColumn("measure");
        table.AddColumn(new TableColumn("value").RightAligned());
        void Row(string name, string value) => table.AddRow(Markup.Escape(name), Markup.Escape(value));

        Row("workload", report.WorkloadDescription ?? report.Workload);
        Row("duration", F(report.DurationSeconds, "0.0") + " s");
        Row("connections / target rate", $"{report.Concurrency} / {(report.TargetRate is { } rate ? F(rate, "N0") + " req/s (open loop)" : "closed loop")}");
        Row("events per request", report.BatchSize.ToString(CultureInfo.InvariantCulture) + (report.Gzip ? " (gzip)" : string.Empty));
        Row("requests", report.Requests.ToString("N0", CultureInfo.InvariantCulture));
        Row("requests/s", F(report.RequestsPerSecond, "N0"));
        Row("events accepted", report.EventsAccepted.ToString("N0", CultureInfo.InvariantCulture));
        Row("events/s", F(report.EventsPerSecond, "N0"));
        if (report.EventsRejected > 0)
        {
            Row("events rejected in a 200 (OTLP partial_success)", report.EventsRejected.ToString("N0", CultureInfo.InvariantCulture));
        }

        var l = report.LatencyMs;
        Row("latency p50 / p95 / p99 ms", $"{F(l.P50)} / {F(l.P95)} / {F(l.P99)}");
        Row("latency p99.9 / max / mean ms", $"{F(l.P999)} / {F(l.Max)} / {F(l.Mean)}");
        Row("status codes", report.StatusCounts.Count == 0 ? "none" : string.Join(", ", report.StatusCounts.Select(p => $"{p.Key}: {p.Value:N0}")));
        Row("transport errors", report.TransportErrors.Count == 0 ? "0" : string.Join(", ", report.TransportErrors.Select(p => $"{p.Key}: {p.Value:N0}")));
        if (report.Server is { } server)
        {
            Row("server RSS peak (sampled) / VmHWM MB", $"{F(server.PeakSampledRssMb, "0.0")} / {F(server.VmHwmMb, "0.0")}");
            Row("server CPU: cores busy / ms per 1k events", $"{F(server.CpuCoresBusy, "0.00")} / {F(server.CpuMillisecondsPerThousandEvents, "0.0")}");
        }

        Row("load tool CPU s", F(report.ClientCpuSeconds, "0.0"));
        Row("load average start -> end", $"{report.LoadAverageStart} -> {report.LoadAverageEnd}");
        console.Write(table);
    }

    public static async Task WriteJsonAsync(string path, object document, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, document, JsonOptions, cancellationToken);
    }

    public static MachineInfo Machine() => new(
        Environment.MachineName,
        Environment.ProcessorCount,
        CpuModel(),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        DateTimeOffset.UtcNow);

    internal static string F(double value, string format = "0.00") => value.ToString(format, CultureInfo.InvariantCulture);

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? "unknown" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}

/// <summary>The machine a run was measured on.</summary>
public sealed record MachineInfo(string Host, int Cores, string Cpu, string Os, string Runtime, DateTimeOffset Date);
