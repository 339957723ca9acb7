using System.Globalization;

namespace Cortex.LoadTest;

/// <summary>
/// Reads the server process's memory and CPU time from /proc (Linux), and the machine's load
/// average, so a report shows what the server used and how busy the shared machine was.
/// </summary>
public sealed class ProcessProbe(int? pid)
{
    // USER_HZ is 100 on every mainstream Linux build; /proc/<pid>/stat counts CPU time in it.
    private const double ClockTicksPerSecond = 100;

    public int? Pid => pid;

    public ServerSample? Sample()
    {
        if (pid is null)
        {
            return null;
        }

        try
        {
            var status = File.ReadAllLines($"/proc/{pid}/status");
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return new ServerSample(Kilobytes(status, "VmRSS:"), Kilobytes(status, "VmHWM:"), CpuSeconds(stat));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The 1, 5 and 15 minute load averages, as `uptime` prints them.</summary>
    public static string LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return string.Join(", ", parts.Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    internal static long Kilobytes(IEnumerable<string> statusLines, string field)
    {
        foreach (var line in statusLines)
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                var value = line[field.Length..].Trim();
                var space = value.IndexOf(' ', StringComparison.Ordinal);
                return long.Parse(space < 0 ? value : value[..space], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    internal static double CpuSeconds(string stat)
    {
        // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var userTicks = long.Parse(fields[11], CultureInfo.InvariantCulture);
        var systemTicks = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return (userTicks + systemTicks) / ClockTicksPerSecond;
    }
}

/// <summary>One reading of the server process: resident memory now and at its peak (KiB), and CPU time used so far.</summary>
public sealed record ServerSample(long RssKilobytes, long PeakRssKilobytes, double CpuSeconds);
