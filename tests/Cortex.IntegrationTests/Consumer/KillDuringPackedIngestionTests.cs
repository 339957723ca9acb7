using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cortex.Tests.Process;

namespace Cortex.IntegrationTests.Consumer;

/// <summary>
/// DESIGN.md: "After a 2xx, nothing may lose it", with packs on the emulator: the real app runs as a
/// child process in Aws mode with the in-process poller, clients keep posting batches, and the app
/// is SIGKILLed mid-load (packs in flight on the bus, in the queue and in the poller's hands). A
/// second instance consumes what is left; every acknowledged event must be stored exactly once.
/// </summary>
public sealed class KillDuringPackedIngestionTests : IClassFixture<AwsResources>
{
    private const int Senders = 4;
    private const int BatchSize = 10;
    private const int KillAfter = 200;

    private readonly AwsResources _aws;

    public KillDuringPackedIngestionTests(AwsResources aws)
    {
        aws.Emulator.EnsureAvailable();
        _aws = aws;
    }

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EveryAcknowledgedEventSurvivesASigkillMidLoadExactlyOnce()
    {
        var source = "e2e-kill-" + Guid.NewGuid().ToString("N")[..8];
        var acknowledged = new ConcurrentBag<string>();
        var databasePath = Path.Combine(Path.GetTempPath(), "cortex-tests", Guid.NewGuid().ToString("N"), "unused.db");

        await using (var first = await AppProcess.StartAsync(databasePath, Environment(), Cancellation))
        {
            using var client = first.CreateClient("agent-kill");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
            var senders = Enumerable.Range(0, Senders).Select(s => SendUntilStoppedAsync(client, source, s, acknowledged, stop.Token)).ToList();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
            while (acknowledged.Count < KillAfter && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, Cancellation);
            }

            Assert.Equal(137, await first.KillAsync());
            await stop.CancelAsync();
            await Task.WhenAll(senders);
        }

        await using var second = await AppProcess.StartAsync(databasePath, Environment(), Cancellation);
        using var reader = second.CreateClient("agent-kill-check");
        var ids = acknowledged.ToList();
        foreach (var id in ids)
        {
            var (status, _) = await ConsumerHarness.WaitForEventAsync(reader, id, TimeSpan.FromSeconds(120));
            Assert.Equal(HttpStatusCode.OK, status);
        }

        Assert.True(ids.Count >= KillAfter, $"only {ids.Count} events were acknowledged before the kill");
        foreach (var id in ids)
        {
            Assert.Equal(1, await _aws.CountItemsAsync(id));
        }
    }

    /// <summary>Posts batches until stopped; an event counts only once its request answered 202.</summary>
    private static async Task SendUntilStoppedAsync(HttpClient client, string source, int sender, ConcurrentBag<string> acknowledged, CancellationToken stop)
    {
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var batch = "[" + string.Join(",", Enumerable.Range(0, BatchSize).Select(i => RoundTrip.Event(source, (sender * 1_000_000) + (n * BatchSize) + i))) + "]";
            try
            {
                using var response = await client.PostAsync("/events/batch", RoundTrip.Json(batch), stop);
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    continue;
                }

                var results = (await response.Content.ReadFromJsonAsync<JsonElement>(stop)).GetProperty("results");
                foreach (var result in results.EnumerateArray())
                {
                    acknowledged.Add(result.GetProperty("event_id").GetString()!);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException or IOException)
            {
                // The app was killed under this request: it was never acknowledged.
            }
        }
    }

    /// <summary>The app in Aws mode against the emulator, with the poller on short visibility timeouts.</summary>
    private Dictionary<string, string?> Environment()
    {
        var environment = _aws.Settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value);
        environment["Cortex__Mode"] = "Aws";
        environment["AWS__ServiceURL"] = _aws.Emulator.Endpoint.ToString().TrimEnd('/');
        environment["AWS__Region"] = "us-east-1";
        environment["AWS_ACCESS_KEY_ID"] = "testing";
        environment["AWS_SECRET_ACCESS_KEY"] = "testing";
        environment["Cortex__Aws__EventBridgeTimeout"] = "00:01:00";
        environment["Cortex__Aws__PublishRetryBudget"] = "00:01:00";
        environment["Cortex__Aws__Poller__Enabled"] = "true";
        environment["Cortex__Aws__Poller__WaitTimeSeconds"] = "1";
        environment["Cortex__Aws__Poller__VisibilityTimeoutSeconds"] = "5";
        return environment;
    }
}
