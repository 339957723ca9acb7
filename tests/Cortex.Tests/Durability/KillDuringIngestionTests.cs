using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Cortex.Api.Hosting;
using Cortex.Tests.Process;

namespace Cortex.Tests.Durability;

/// <summary>
/// DESIGN.md: "A 2xx means the event is durably handed off ... After a 2xx, nothing may lose it."
/// The real app runs as a child process and is SIGKILLed while 16 clients keep sending, then
/// restarted on the same SQLite file. Every acknowledged event must be there, exactly once.
/// </summary>
[Collection(nameof(KillDuringIngestionTests))]
public sealed class KillDuringIngestionTests
{
    private const int Senders = 16;
    private const int BatchSize = 10;
    private const int EventsAfterLastRestart = 200;

    // Acknowledged events to wait for before each kill: some hundreds, different each time.
    private static readonly int[] KillAfter = [300, 600, 450];

    // Bounds a phase that never reaches its count (an app answering only errors), so the test stops by itself.
    private static readonly TimeSpan PhaseLimit = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task EveryAcknowledgedEventSurvivesRepeatedSigkillExactlyOnce()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var directory = Path.Combine(Path.GetTempPath(), "cortex-tests", Guid.NewGuid().ToString("N"));
        var databasePath = Path.Combine(directory, "cortex.db");
        var ledger = new Ledger($"durability-{Guid.NewGuid():N}");
        var inFlightAtKills = new List<int>();
        try
        {
            IReadOnlyCollection<Guid> lastPhase = [];
            foreach (var killAfter in KillAfter)
            {
                await using var app = await AppProcess.StartAsync(databasePath, cancellationToken: cancellationToken);
                Log($"started in {app.StartupTime.TotalMilliseconds:F0} ms");
                await AssertReadableAsync(app, ledger, lastPhase, cancellationToken);

                var phase = await SendAsync(app, ledger, killAfter, kill: true, cancellationToken);
                inFlightAtKills.Add(phase.InFlightAtEnd);
                Log($"SIGKILL after {phase.Acknowledged.Count} acknowledged events in {phase.Duration.TotalMilliseconds:F0} ms, {phase.InFlightAtEnd} requests in flight");
                lastPhase = phase.Acknowledged;
            }

            await using var restarted = await AppProcess.StartAsync(databasePath, cancellationToken: cancellationToken);
            Log($"started in {restarted.StartupTime.TotalMilliseconds:F0} ms");
            await AssertReadableAsync(restarted, ledger, lastPhase, cancellationToken);
            await SendAsync(restarted, ledger, EventsAfterLastRestart, kill: false, cancellationToken);
            var acknowledged = ledger.Acknowledged;
            Log($"{acknowledged.Count} acknowledged events of {ledger.SentCount} sent");

            await AssertReadableAsync(restarted, ledger, acknowledged, cancellationToken);
            var listed = await ListSourceAsync(restarted, ledger.Source, cancellationToken);

            var duplicates = listed.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            var listedOnce = listed.ToHashSet();
            var missing = acknowledged.Where(id => !listedOnce.Contains(id)).ToList();
            var strangers = listedOnce.Where(id => !ledger.WasSent(id)).ToList();
            Assert.True(duplicates.Count == 0, $"{duplicates.Count} events listed more than once, e.g. {string.Join(", ", duplicates.Take(5))}");
            Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledged.Count} acknowledged events are not in the listing, e.g. {string.Join(", ", missing.Take(5))}");
            Assert.Empty(strangers);
            Assert.True(acknowledged.Count >= KillAfter.Sum() + EventsAfterLastRestart);

            // The kills must land while requests are on the wire, or they test only a quiet store.
            Assert.Contains(inFlightAtKills, n => n > 0);
        }
        finally
        {
            AppProcessTests.DeleteDirectory(directory);
        }
    }

    /// <summary>Runs the senders until <paramref name="target"/> more events are acknowledged, then SIGKILLs the app (or just stops sending).</summary>
    private static async Task<PhaseResult> SendAsync(AppProcess app, Ledger ledger, int target, bool kill, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var clients = Enumerable.Range(0, Senders).Select(i => app.CreateClient($"durability-sender-{i}", Scopes.Write)).ToArray();
        var phase = new ConcurrentBag<Guid>();
        var senders = clients.Select((client, i) => SendLoopAsync(client, ledger, phase, i, stop.Token)).ToArray();
        var stopwatch = Stopwatch.StartNew();
        try
        {
            while (phase.Count < target)
            {
                if (senders.FirstOrDefault(t => t.IsFaulted) is { } faulted)
                {
                    await faulted;
                }

                if (app.HasExited || stopwatch.Elapsed > PhaseLimit)
                {
                    Assert.Fail($"Only {phase.Count} of {target} events were acknowledged (app exited: {app.HasExited}). Output:\n{app.Output}");
                }

                await Task.Delay(5, cancellationToken);
            }

            var inFlight = ledger.InFlight;
            if (kill)
            {
                await app.KillAsync();
            }

            await stop.CancelAsync();
            await Task.WhenAll(senders);
            return new PhaseResult([.. phase], inFlight, stopwatch.Elapsed);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(senders.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    private static async Task SendLoopAsync(HttpClient client, Ledger ledger, ConcurrentBag<Guid> phase, int sender, CancellationToken stop)
    {
        var random = new Random(sender);
        while (!stop.IsCancellationRequested)
        {
            var submission = ledger.NextRetry() ?? ledger.NewSubmission(batch: random.Next(2) == 0);
            ledger.RequestStarted();
            try
            {
                using var content = new StringContent(submission.Body, Encoding.UTF8, "application/json");
                using var response = await client.PostAsync(new Uri(submission.Path, UriKind.Relative), content, stop);
                var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                var accepted = AcceptedIds(submission, response.StatusCode, body);
                foreach (var id in accepted)
                {
                    if (ledger.Acknowledge(id))
                    {
                        phase.Add(id);
                    }
                }

                ledger.RetryUnacknowledged(submission, accepted);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                // Refused, reset mid-response or cut by the kill: not acknowledged, so a client would send it again.
                ledger.RetryUnacknowledged(submission, []);
            }
            finally
            {
                ledger.RequestEnded();
            }
        }
    }

    private static List<Guid> AcceptedIds(Submission submission, HttpStatusCode status, string body)
    {
        if (status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)
        {
            return [];
        }

        if (status is not (HttpStatusCode.Accepted or HttpStatusCode.MultiStatus))
        {
            throw new InvalidOperationException($"POST {submission.Path} answered {(int)status}: {body}");
        }

        using var json = JsonDocument.Parse(body);
        if (!submission.IsBatch)
        {
            var id = Guid.Parse(json.RootElement.GetProperty("event_id").GetString()!);
            Assert.Equal(submission.EventIds[0], id);
            return [id];
        }

        var accepted = new List<Guid>();
        foreach (var result in json.RootElement.GetProperty("results").EnumerateArray())
        {
            if (result.GetProperty("status").GetString() == "accepted")
            {
                var id = Guid.Parse(result.GetProperty("event_id").GetString()!);
                Assert.Equal(submission.EventIds[result.GetProperty("index").GetInt32()], id);
                accepted.Add(id);
            }
        }

        return accepted;
    }

    /// <summary>GET /events/{id} answers 200 with the event for every id.</summary>
    private static async Task AssertReadableAsync(AppProcess app, Ledger ledger, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        using var client = app.CreateClient("durability-reader", Scopes.Read);
        var missing = new ConcurrentBag<string>();
        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (id, ct) =>
        {
            using var response = await GetAsync(client, $"/events/{id:D}", ct);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                missing.Add($"{id:D} ({(int)response.StatusCode})");
                return;
            }

            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            if (json.RootElement.GetProperty("event_id").GetString() != id.ToString("D")
                || json.RootElement.GetProperty("source").GetString() != ledger.Source)
            {
                missing.Add($"{id:D} (another event came back)");
            }
        });

        Log($"read {ids.Count} events by id in {stopwatch.ElapsedMilliseconds} ms");
        Assert.True(missing.IsEmpty, $"{missing.Count} of {ids.Count} acknowledged events are not readable after a SIGKILL and restart, e.g. {string.Join(", ", missing.Take(5))}");
    }

    /// <summary>Every event_id the listing for <paramref name="source"/> returns, following next_cursor to the end.</summary>
    private static async Task<List<Guid>> ListSourceAsync(AppProcess app, string source, CancellationToken cancellationToken)
    {
        using var client = app.CreateClient("durability-reader", Scopes.Read);
        var ids = new List<Guid>();
        string? cursor = null;
        do
        {
            var query = $"/events?source={Uri.EscapeDataString(source)}&limit=1000" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
            using var response = await GetAsync(client, query, cancellationToken);
            response.EnsureSuccessStatusCode();
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            foreach (var item in json.RootElement.GetProperty("items").EnumerateArray())
            {
                ids.Add(Guid.Parse(item.GetProperty("event_id").GetString()!));
            }

            var next = json.RootElement.GetProperty("next_cursor");
            cursor = next.ValueKind == JsonValueKind.Null ? null : next.GetString();
        }
        while (cursor is not null);

        return ids;
    }

    /// <summary>A GET that waits out 429 as a client would: thousands of reads exceed one subject's rate limit.</summary>
    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await client.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
            if (response.StatusCode != HttpStatusCode.TooManyRequests || attempt == 30)
            {
                return response;
            }

            var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
            response.Dispose();
            await Task.Delay(wait, cancellationToken);
        }
    }

    private static void Log(string message) => TestContext.Current.TestOutputHelper?.WriteLine(message);

    private sealed record PhaseResult(IReadOnlyCollection<Guid> Acknowledged, int InFlightAtEnd, TimeSpan Duration);

    /// <summary>One request's worth of events, kept so that a request with no answer can be sent again unchanged.</summary>
    private sealed record Submission(bool IsBatch, Guid[] EventIds, string[] Events)
    {
        public string Path => IsBatch ? "/events/batch" : "/events";

        public string Body => IsBatch ? $"[{string.Join(',', Events)}]" : Events[0];
    }

    /// <summary>What every sender shares: the ids sent, the ids acknowledged and the requests to send again.</summary>
    private sealed class Ledger(string source)
    {
        private readonly ConcurrentDictionary<Guid, bool> _sent = new();
        private readonly ConcurrentDictionary<Guid, bool> _acknowledged = new();
        private readonly ConcurrentQueue<Submission> _retries = new();
        private long _sequence;
        private int _inFlight;

        public int InFlight => Volatile.Read(ref _inFlight);

        public string Source { get; } = source;

        public IReadOnlyCollection<Guid> Acknowledged => [.. _acknowledged.Keys];

        public int SentCount => _sent.Count;

        public bool WasSent(Guid id) => _sent.ContainsKey(id);

        public bool Acknowledge(Guid id) => _acknowledged.TryAdd(id, true);

        public void RequestStarted() => Interlocked.Increment(ref _inFlight);

        public void RequestEnded() => Interlocked.Decrement(ref _inFlight);

        public Submission? NextRetry() => _retries.TryDequeue(out var submission) ? submission : null;

        public Submission NewSubmission(bool batch)
        {
            var count = batch ? BatchSize : 1;
            var ids = new Guid[count];
            var events = new string[count];
            for (var i = 0; i < count; i++)
            {
                ids[i] = Guid.NewGuid();
                _sent[ids[i]] = true;
                var sequence = Interlocked.Increment(ref _sequence);
                events[i] = $$$"""{"event_id":"{{{ids[i]:D}}}","source":"{{{Source}}}","event_type":"custom","severity":"info","data":{"sequence":{{{sequence}}}}}""";
            }

            return new Submission(batch, ids, events);
        }

        /// <summary>
        /// Queues the events of <paramref name="submission"/> that were not acknowledged, unchanged and
        /// with the same event_id, as a client would retry them. Acknowledged events are never sent
        /// again, so a retry cannot put back an event the store lost.
        /// </summary>
        public void RetryUnacknowledged(Submission submission, List<Guid> accepted)
        {
            if (accepted.Count == submission.EventIds.Length)
            {
                return;
            }

            var keep = Enumerable.Range(0, submission.EventIds.Length).Where(i => !accepted.Contains(submission.EventIds[i])).ToArray();
            _retries.Enqueue(new Submission(submission.IsBatch, [.. keep.Select(i => submission.EventIds[i])], [.. keep.Select(i => submission.Events[i])]));
        }
    }
}
