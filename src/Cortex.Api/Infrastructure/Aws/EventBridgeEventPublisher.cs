using System.Text;
using System.Text.Json;
using Cortex.Api.Events;
using Cortex.Api.Ports;
using Microsoft.Extensions.Options;
using Polly;
using Entry = Cortex.Api.Infrastructure.Aws.EventBridgePacker.Entry;

namespace Cortex.Api.Infrastructure.Aws;

/// <summary>
/// Publishes events to the EventBridge bus with PutEvents: the events travel in packs, as few
/// entries as the entry size limit allows (<see cref="EventBridgePacker"/>), at most 10 entries
/// and <see cref="AwsOptions.MaxEntryBytes"/> per call, calls in parallel. Every event answers as
/// its entry did: entries that fail with InternalFailure or ThrottlingException are resent (a Polly
/// retry, <see cref="AwsRetry.Bounded{T}"/>) until the retry budget is spent, then all their events
/// are failed; an entry refused for another reason is rejected when it holds one event and failed
/// when it holds several (the refusal is the pack's, not provably any one event's). The message id
/// is the entry's EventBridge EventId, shared by the events of a pack.
/// </summary>
internal sealed class EventBridgeEventPublisher(
    EventBridgeClient client, IOptions<AwsOptions> options, ILogger<EventBridgeEventPublisher> logger) : IEventPublisher
{
    public const int MaxEntriesPerCall = 10;
    private const int MaxParallelCalls = 8;

    private readonly AwsOptions _options = options.Value;

    private readonly ResiliencePipeline<List<Entry>> _resend = new ResiliencePipelineBuilder<List<Entry>> { TimeProvider = client.Clock }
        .AddRetry(AwsRetry.Bounded<List<Entry>>(
            options.Value,
            client.Clock,
            (outcome, _) => ValueTask.FromResult(outcome.Result is { Count: > 0 }),
            args =>
            {
                logger.LogInformation("Resending {Count} events the bus did not accept (attempt {Attempt}) in {Delay}",
                    args.Outcome.Result?.Count, args.AttemptNumber + 2, args.RetryDelay);
                return default;
            }))
        .Build();

    public async Task<PublishResult> PublishAsync(IReadOnlyList<TelemetryEvent> events, CancellationToken cancellationToken)
    {
        var outcomes = new PublishOutcome[events.Count];
        var pending = EventBridgePacker.Pack(events, _options, outcomes);
        var deadline = client.Clock.GetUtcNow() + _options.PublishRetryBudget;
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(AwsRetry.Deadline, deadline);
        try
        {
            await _resend.ExecuteAsync(
                async ctx =>
                {
                    pending = await PutEventsAsync(pending, outcomes, deadline, ctx.CancellationToken);
                    return pending;
                },
                context);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        if (pending.Count > 0)
        {
            logger.LogWarning("{Count} entries ({Events} events) still failing after the {Budget} retry budget; answered as failed",
                pending.Count, pending.Sum(e => e.Indices.Length), _options.PublishRetryBudget);
            foreach (var entry in pending)
            {
                Answer(outcomes, entry, PublishOutcome.Failed($"The event bus did not accept the event ({entry.LastError}); retry."));
            }
        }

        return PublishResult.Completed(outcomes);
    }

    /// <summary>One round: every pending entry sent, calls in parallel; returns the entries to resend, in request order.</summary>
    private async Task<List<Entry>> PutEventsAsync(List<Entry> pending, PublishOutcome[] outcomes, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var retry = new List<Entry>();
        await Parallel.ForEachAsync(
            Chunk(pending),
            new ParallelOptions { MaxDegreeOfParallelism = MaxParallelCalls, CancellationToken = cancellationToken },
            async (chunk, ct) =>
            {
                var again = await PutChunkAsync(chunk, outcomes, deadline, ct);
                if (again.Count > 0)
                {
                    lock (retry)
                    {
                        retry.AddRange(again);
                    }
                }
            });

        retry.Sort((a, b) => a.Indices[0].CompareTo(b.Indices[0]));
        return retry;
    }

    /// <summary>Splits entries into calls of at most 10 entries and <see cref="AwsOptions.MaxEntryBytes"/>.</summary>
    private IEnumerable<List<Entry>> Chunk(IReadOnlyList<Entry> entries)
    {
        var maxRequestBytes = _options.MaxEntryBytes;
        var chunk = new List<Entry>(MaxEntriesPerCall);
        var size = 0;
        foreach (var entry in entries)
        {
            if (chunk.Count == MaxEntriesPerCall || (chunk.Count > 0 && size + entry.Size > maxRequestBytes))
            {
                yield return chunk;
                chunk = new List<Entry>(MaxEntriesPerCall);
                size = 0;
            }

            chunk.Add(entry);
            size += entry.Size;
        }

        if (chunk.Count > 0)
        {
            yield return chunk;
        }
    }

    /// <summary>Sends one call and records outcomes; returns the entries to try again.</summary>
    private async Task<List<Entry>> PutChunkAsync(List<Entry> chunk, PublishOutcome[] outcomes, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        JsonDocument response;
        try
        {
            response = await client.CallAsync("PutEvents", RequestBody(chunk), deadline, cancellationToken);
        }
        catch (EventBridgeException ex) when (!ex.IsTransient)
        {
            // The call as a whole was refused (a missing permission, a bad bus name): not the
            // events' fault, so the client may retry once an operator has fixed it.
            logger.LogError(ex, "PutEvents was refused for {Count} entries", chunk.Count);
            foreach (var entry in chunk)
            {
                Answer(outcomes, entry, PublishOutcome.Failed("The event bus refused the request; retry later."));
            }

            return [];
        }
        catch (Exception ex) when (ex is EventBridgeException or HttpRequestException or TimeoutException)
        {
            logger.LogWarning(ex, "PutEvents failed for {Count} entries", chunk.Count);
            foreach (var entry in chunk)
            {
                entry.LastError = ex is EventBridgeException bridge ? bridge.ErrorType : ex.GetType().Name;
            }

            return chunk;
        }

        using (response)
        {
            var retry = new List<Entry>();
            var results = response.RootElement.TryGetProperty("Entries", out var e) && e.ValueKind == JsonValueKind.Array
                ? e : default;
            var count = results.ValueKind == JsonValueKind.Array ? results.GetArrayLength() : 0;
            for (var i = 0; i < chunk.Count; i++)
            {
                var entry = chunk[i];
                if (i >= count)
                {
                    // The answer lists entries in request order; a short answer leaves these unknown.
                    entry.LastError = "MissingResultEntry";
                    retry.Add(entry);
                    continue;
                }

                var result = results[i];
                if (result.TryGetProperty("EventId", out var id) && id.GetString() is { Length: > 0 } eventId)
                {
                    Answer(outcomes, entry, PublishOutcome.Accepted(eventId));
                    continue;
                }

                var code = result.TryGetProperty("ErrorCode", out var c) ? c.GetString() ?? string.Empty : string.Empty;
                var message = result.TryGetProperty("ErrorMessage", out var m) ? m.GetString() ?? string.Empty : string.Empty;
                if (code is "InternalFailure" or "ThrottlingException" or "")
                {
                    entry.LastError = code.Length == 0 ? "UnknownError" : code;
                    retry.Add(entry);
                }
                else if (entry.Indices.Length == 1)
                {
                    Answer(outcomes, entry, PublishOutcome.Rejected($"The event bus rejected the event: {code} {message}".TrimEnd()));
                }
                else
                {
                    logger.LogError("The event bus refused a pack of {Count} events: {Code} {Message}", entry.Indices.Length, code, message);
                    Answer(outcomes, entry, PublishOutcome.Failed($"The event bus refused the pack holding the event: {code} {message}".TrimEnd()));
                }
            }

            return retry;
        }
    }

    /// <summary>Every event of the entry answers as the entry did.</summary>
    private static void Answer(PublishOutcome[] outcomes, Entry entry, PublishOutcome outcome)
    {
        foreach (var index in entry.Indices)
        {
            outcomes[index] = outcome;
        }
    }

    private static byte[] RequestBody(List<Entry> chunk)
    {
        var length = chunk.Sum(e => e.Json.Length + 1) + 16;
        var body = new byte[length];
        var span = body.AsSpan();
        var written = Encoding.UTF8.GetBytes("{\"Entries\":[", span);
        for (var i = 0; i < chunk.Count; i++)
        {
            if (i > 0)
            {
                span[written++] = (byte)',';
            }

            chunk[i].Json.CopyTo(span[written..]);
            written += chunk[i].Json.Length;
        }

        written += Encoding.UTF8.GetBytes("]}", span[written..]);
        return body[..written];
    }
}
