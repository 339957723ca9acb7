using System.Globalization;
using System.IO.Compression;
using System.Text;
using Cortex.Api.Events;
using Cortex.Api.Ports;

namespace Cortex.Tests.Analytics;

/// <summary>
/// The golden data set: <see cref="Count"/> events drawn by <see cref="Random"/> with seed
/// <see cref="Seed"/> over three UTC days from <see cref="Start"/>: 12 sources, every event type,
/// severities weighted 70/20/10, four regions and none, data.cpu_percent a number in 85% of
/// events, the string "n/a" in 10% and absent otherwise, ingested 0-600 s after its timestamp.
/// The same seed gives the same events on every machine.
/// </summary>
internal static class GoldenEvents
{
    public const int Seed = 20261129;
    public const int Count = 1200;
    public static readonly DateTimeOffset Start = new(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);

    public static IReadOnlyList<TelemetryEvent> Generate()
    {
        var random = new Random(Seed);
        string?[] regions = ["eu-west-1", "us-east-1", "ap-south-1", "sa-east-1", null];
        var events = new List<TelemetryEvent>(Count);
        for (var i = 0; i < Count; i++)
        {
            var timestamp = Start.AddMilliseconds(random.NextInt64(3L * 86_400_000));
            var roll = random.Next(100);
            var severity = roll < 70 ? "info" : roll < 90 ? "warning" : "critical";
            var dataRoll = random.Next(100);
            var data = dataRoll < 85
                ? string.Create(CultureInfo.InvariantCulture, $$"""{"cpu_percent":{{Math.Round(random.NextDouble() * 100, 1)}}}""")
                : dataRoll < 95 ? """{"cpu_percent":"n/a"}""" : """{"other":1}""";
            events.Add(Make(
                $"host-{random.Next(12):D2}",
                EventContract.EventTypes[random.Next(EventContract.EventTypes.Length)],
                severity,
                timestamp,
                data,
                regions[random.Next(regions.Length)],
                timestamp.AddSeconds(random.Next(601)),
                Id(random)));
        }

        return events;
    }

    private static Guid Id(Random random)
    {
        var bytes = new byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes);
    }

    public static TelemetryEvent Make(
        string source, string eventType, string severity, DateTimeOffset timestamp, string data, string? region, DateTimeOffset ingestedAt, Guid? id = null) => new()
        {
            EventId = id ?? Guid.NewGuid(),
            Source = source,
            EventType = eventType,
            Severity = severity,
            Timestamp = Rfc3339.ToUtcString(timestamp),
            TimestampMs = timestamp.ToUnixTimeMilliseconds(),
            Data = Encoding.UTF8.GetBytes(data),
            Region = region,
            IngestedAt = Rfc3339.ToUtcString(ingestedAt),
            RequestId = "golden",
            SubmittedBy = "golden",
            ExpiresAt = new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(),
        };

    /// <summary>
    /// Writes the events as Firehose lays out the lake: one gzip object per hour partition
    /// (events/year=/month=/day=/hour=/), one JSON line per event as the publisher writes the bus
    /// entry's detail (<see cref="EventJson.ToJson"/> with the trace context), newline-delimited.
    /// </summary>
    public static void WriteLake(string root, IEnumerable<TelemetryEvent> events)
    {
        foreach (var hour in events.GroupBy(e => e.Timestamp[..13]))
        {
            var t = hour.Key;
            var folder = Path.Combine(root, "events", $"year={t[..4]}", $"month={t[5..7]}", $"day={t[8..10]}", $"hour={t[11..13]}");
            Directory.CreateDirectory(folder);
            using var file = File.Create(Path.Combine(folder, "cortex-events-firehose-1.gz"));
            using var gzip = new GZipStream(file, CompressionLevel.Fastest);
            foreach (var e in hour)
            {
                gzip.Write(Encoding.UTF8.GetBytes(EventJson.ToJson(e, includeTrace: true) + "\n"));
            }
        }
    }

    /// <summary>A range of whole hours from <see cref="Start"/>.</summary>
    public static TimeRange Hours(int from, int to) =>
        new(Start.AddHours(from).ToUnixTimeMilliseconds(), Start.AddHours(to).ToUnixTimeMilliseconds());
}
