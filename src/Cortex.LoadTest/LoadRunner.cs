using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Cortex.Api.Intake.Otlp.Proto;
using Google.Protobuf;

namespace Cortex.LoadTest;

/// <summary>
/// Sends signed requests to Cortex and records every one. Closed loop (no rate): each of the
/// concurrency workers sends its next request when the previous one answered. Open loop (a rate):
/// requests are due on a fixed schedule whatever the server does, and latency is measured from
/// the moment a request was due, so a stalled server shows in the percentiles instead of silently
/// lowering the load (coordinated omission).
/// </summary>
public sealed class LoadRunner : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");
    private static readonly MediaTypeHeaderValue ProtobufType = new(OtlpLogFactory.ContentType);

    private readonly LoadSettings _settings;
    private readonly HttpClient _client;
    private readonly string[] _authorizations;
    private readonly IReadOnlyList<ILoadBody> _bodies;
    private long _issued;
    private long _inFlight;

    public LoadRunner(LoadSettings settings, IReadOnlyList<string> tokens, HttpMessageHandler? handler = null)
    {
        _settings = settings;
        handler ??= new SocketsHttpHandler
        {
            MaxConnectionsPerServer = settings.Concurrency,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        _client = new HttpClient(handler, disposeHandler: true) { Timeout = settings.Timeout };
        _authorizations = settings.Anonymous ? [] : [.. tokens.Select(t => "Bearer " + t)];
        if (settings.IsOtlp)
        {
            _bodies = new OtlpLogFactory(settings.Seed, settings.Workload).CreatePool(EventFactory.PoolSizeFor(settings.BatchSize), settings.BatchSize);
        }
        else
        {
            var batchSize = settings.IsBatch ? settings.BatchSize : 0;
            _bodies = new EventFactory(settings.Seed, settings.Workload).CreatePool(EventFactory.PoolSizeFor(batchSize), batchSize);
        }
    }

    public long InFlight => Volatile.Read(ref _inFlight);

    public void Dispose() => _client.Dispose();

    /// <summary>Average size of the body sent per request before compression, for the report.</summary>
    public double AverageBodyBytes => _bodies.Average(b => b.UncompressedBytes);

    /// <summary>Sends load for the warm-up time and discards what it measured (JIT, connections, caches).</summary>
    public Task WarmupAsync(CancellationToken cancellationToken) =>
        _settings.Warmup > TimeSpan.Zero
            ? RunPhaseAsync(new RunStatistics(), _settings.Warmup, null, cancellationToken)
            : Task.CompletedTask;

    /// <summary>The measured phase: runs for the duration or count and returns how long it took, in-flight requests included.</summary>
    public async Task<TimeSpan> RunAsync(RunStatistics statistics, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await RunPhaseAsync(statistics, _settings.Duration, _settings.Count, cancellationToken);
        return Stopwatch.GetElapsedTime(started);
    }

    private async Task RunPhaseAsync(RunStatistics statistics, TimeSpan? duration, long? count, CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _issued, 0);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (duration is { } limit)
        {
            stop.CancelAfter(limit);
        }

        if (_settings.Rate is { } rate)
        {
            await OpenLoopAsync(statistics, rate, count, stop.Token);
        }
        else
        {
            var workers = Enumerable.Range(0, _settings.Concurrency)
                .Select(worker => Task.Run(() => ClosedLoopWorkerAsync(worker, statistics, count, stop.Token), CancellationToken.None));
            await Task.WhenAll(workers);
        }
    }

    private async Task ClosedLoopWorkerAsync(int worker, RunStatistics statistics, long? count, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested && TryIssue(count, out var sequence))
        {
            await SendAsync(worker, sequence, due: null, statistics);
        }
    }

    private async Task OpenLoopAsync(RunStatistics statistics, double rate, long? count, CancellationToken stop)
    {
        // In open loop the in-flight cap is a safety bound, not the load: keep it well above what the rate needs.
        var maxInFlight = Math.Max(_settings.Concurrency, 1);
        using var slots = new SemaphoreSlim(maxInFlight, maxInFlight);
        var ticksPerRequest = Stopwatch.Frequency / rate;
        var start = Stopwatch.GetTimestamp();
        try
        {
            while (!stop.IsCancellationRequested && TryIssue(count, out var sequence))
            {
                var due = start + (long)(sequence * ticksPerRequest);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(wait, stop);
                }

                await slots.WaitAsync(stop);
                _ = SendAndReleaseAsync(sequence, due, statistics, slots);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The duration ended while waiting for the next due time or a free slot.
        }

        for (var i = 0; i < maxInFlight; i++)
        {
            await slots.WaitAsync(CancellationToken.None);
        }
    }

    private async Task SendAndReleaseAsync(long sequence, long due, RunStatistics statistics, SemaphoreSlim slots)
    {
        try
        {
            await SendAsync((int)(sequence % _settings.Concurrency), sequence, due, statistics);
        }
        finally
        {
            slots.Release();
        }
    }

    private bool TryIssue(long? count, out long sequence)
    {
        sequence = Interlocked.Increment(ref _issued) - 1;
        return count is null || sequence < count;
    }

    /// <param name="due">Open loop: when the request was due, which latency counts from. Closed loop: null,
    /// and latency counts from when the request is ready to go, after its body was stamped.</param>
    private async Task SendAsync(int worker, long sequence, long? due, RunStatistics statistics)
    {
        var body = _bodies[(int)(sequence % _bodies.Count)];

        // Timestamps are stamped now, so events are as old as the workload says however long the run;
        // this (and gzip, if on) is the load tool's CPU, on this thread, for every request.
        using var request = new HttpRequestMessage(HttpMethod.Post, _settings.Target)
        {
            Content = new ByteArrayContent(body.Content(DateTime.UtcNow, _settings.Gzip)),
        };
        request.Content.Headers.ContentType = _settings.IsOtlp ? ProtobufType : JsonType;
        if (_settings.Gzip)
        {
            request.Content.Headers.ContentEncoding.Add("gzip");
        }

        if (_authorizations.Length > 0)
        {
            request.Headers.TryAddWithoutValidation("Authorization", _authorizations[worker % _authorizations.Length]);
        }

        var startTimestamp = due ?? Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _inFlight);
        try
        {
            // Requests are never cancelled by the end of the run: those in flight finish and count.
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead, CancellationToken.None);
            var content = await response.Content.ReadAsByteArrayAsync(CancellationToken.None);
            var latency = Stopwatch.GetElapsedTime(startTimestamp);
            var status = (int)response.StatusCode;
            var (accepted, rejected) = _settings.IsOtlp ? OtlpOutcome(status, body.Events, content) : (AcceptedEvents(status, body.Events, content), 0);
            statistics.RecordResponse(status, (long)(latency.Ticks / (TimeSpan.TicksPerMillisecond / 1000.0)), accepted, rejected);
        }
        catch (TaskCanceledException)
        {
            statistics.RecordTransportError("timeout");
        }
        catch (HttpRequestException ex)
        {
            statistics.RecordTransportError(ex.InnerException is SocketException socket ? socket.SocketErrorCode.ToString() : ex.HttpRequestError.ToString());
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>Events acknowledged by one response: all on 202, the batch's "accepted" count on 207, none otherwise.</summary>
    internal static int AcceptedEvents(int status, int events, ReadOnlySpan<byte> content)
    {
        if (status == StatusCodes.Accepted)
        {
            return events;
        }

        if (status != StatusCodes.MultiStatus)
        {
            return 0;
        }

        var reader = new Utf8JsonReader(content);
        try
        {
            while (reader.Read())
            {
                if (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("accepted"u8))
                {
                    reader.Read();
                    return reader.TryGetInt32(out var accepted) ? accepted : 0;
                }
            }
        }
        catch (JsonException)
        {
            // A 207 without a readable body acknowledged nothing we can count.
        }

        return 0;
    }

    /// <summary>
    /// Records acknowledged and rejected by one OTLP/HTTP response: on 200, all but the
    /// partial_success's rejected_log_records (those are rejected); otherwise none either way.
    /// </summary>
    internal static (int Accepted, int Rejected) OtlpOutcome(int status, int records, ReadOnlySpan<byte> content)
    {
        if (status != StatusCodes.Ok)
        {
            return (0, 0);
        }

        try
        {
            var response = ExportLogsServiceResponse.Parser.ParseFrom(content);
            var rejected = (int)Math.Clamp(response.PartialSuccess?.RejectedLogRecords ?? 0, 0, records);
            return (records - rejected, rejected);
        }
        catch (InvalidProtocolBufferException)
        {
            // A 200 without a readable response: the specification says the export succeeded.
            return (records, 0);
        }
    }

    private static class StatusCodes
    {
        public const int Ok = 200;
        public const int Accepted = 202;
        public const int MultiStatus = 207;
    }
}
