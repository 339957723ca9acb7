using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cortex.Api.Events;

namespace Cortex.Api.Intake;

/// <summary>
/// An agent's record mapped onto the event contract, written as the JSON a client would POST to
/// /events, so it is read and validated by exactly the rules of that endpoint.
/// </summary>
internal sealed class AgentEvent
{
    public required string Source { get; init; }

    public required string EventType { get; init; }

    public string Severity { get; init; } = EventContract.DefaultSeverity;

    /// <summary>Absent: the server's clock at ingestion.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    public string? Hostname { get; init; }

    public string? Region { get; init; }

    /// <summary>A name-based id, so an agent that sends the same record again does not store it twice.</summary>
    public Guid? EventId { get; init; }

    /// <summary>Writes the members of the data object.</summary>
    public required Action<Utf8JsonWriter> WriteData { get; init; }

    /// <summary>
    /// The event as a client would POST it to /events, as UTF-8 JSON. Agent intake does not read
    /// this back: <see cref="ToSubmission"/> builds the same submission directly.
    /// </summary>
    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using var writer = new Utf8JsonWriter(buffer, EventJson.WriterOptions);
        Write(writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The submission that <see cref="EventReader.ReadSingle"/> reads from <see cref="ToJson"/>,
    /// built without the round trip: the fields as they are, <c>data</c> as the bytes written for
    /// it (checked by the rules the reader applies to a client's data), and the size of the JSON.
    /// </summary>
    /// <exception cref="ArgumentException">A string is not valid Unicode text (an unpaired surrogate).</exception>
    public EventSubmission ToSubmission()
    {
        var scratch = Scratch.ForThread;
        scratch.Buffer.ResetWrittenCount();
        scratch.Writer.Reset(scratch.Buffer);
        var (dataStart, dataEnd) = Write(scratch.Writer);
        scratch.Writer.Flush();
        var written = scratch.Buffer.WrittenSpan;
        var data = written[dataStart..dataEnd];
        var submission = new EventSubmission
        {
            Source = Source,
            EventType = EventType,
            Severity = Severity,
            Timestamp = Timestamp,
            Hostname = Hostname,
            Region = Region,
            EventId = EventId,
            SizeInBytes = written.Length,
        };
        EventDataReader.CheckData(data, submission);
        if (!submission.HasReadError("data"))
        {
            submission.Data = data.ToArray();
        }

        return submission;
    }

    /// <summary>
    /// A UUID (version 8, RFC 9562) from a SHA-256 of the parts that identify a record: the same
    /// record sent twice gets the same id, and ingestion's idempotency keeps one copy. With the
    /// record's time, the first 48 bits are its Unix milliseconds, as in a UUIDv7: ids then sort
    /// by time like the ones the server assigns, so the store appends them instead of inserting
    /// them all over its key order (a random id per record cost the writer several times the work).
    /// </summary>
    public static Guid NameBasedId(DateTimeOffset? time, params ReadOnlySpan<string?> parts)
    {
        var text = new StringBuilder();
        foreach (var part in parts)
        {
            text.Append(part?.Length ?? -1).Append(':').Append(part).Append('|');
        }

        return NameBasedId(time, Encoding.UTF8.GetBytes(text.ToString()));
    }

    /// <summary>The same id from a name that is already bytes (an OTLP item's encoding: <c>OtlpValues.ItemId</c>).</summary>
    public static Guid NameBasedId(DateTimeOffset? time, ReadOnlySpan<byte> name)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(name, hash);
        if (time is { } at)
        {
            var ms = at.ToUnixTimeMilliseconds();
            for (var i = 0; i < 6; i++)
            {
                hash[i] = (byte)(ms >> (8 * (5 - i)));
            }
        }

        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }

    /// <summary>Writes the event object; answers where its data object starts and ends in the writer's output.</summary>
    private (int DataStart, int DataEnd) Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("source", Source);
        writer.WriteString("event_type", EventType);
        writer.WriteString("severity", Severity);
        if (Timestamp is { } timestamp)
        {
            writer.WriteString("timestamp", Rfc3339.ToUtcString(timestamp));
        }

        if (Hostname is not null)
        {
            writer.WriteString("hostname", Hostname);
        }

        if (Region is not null)
        {
            writer.WriteString("region", Region);
        }

        if (EventId is { } id)
        {
            writer.WriteString("event_id", id.ToString("D"));
        }

        writer.WritePropertyName("data");
        writer.Flush();
        var dataStart = (int)writer.BytesCommitted;
        writer.WriteStartObject();
        WriteData(writer);
        writer.WriteEndObject();
        writer.Flush();
        var dataEnd = (int)writer.BytesCommitted;
        writer.WriteEndObject();
        return (dataStart, dataEnd);
    }

    /// <summary>A buffer and writer reused per thread, so mapping a record allocates only what its submission keeps.</summary>
    private sealed class Scratch
    {
        [ThreadStatic]
        private static Scratch? _forThread;

        private Scratch()
        {
            Writer = new Utf8JsonWriter(Buffer, EventJson.WriterOptions);
        }

        public static Scratch ForThread => _forThread ??= new Scratch();

        public ArrayBufferWriter<byte> Buffer { get; } = new(1024);

        public Utf8JsonWriter Writer { get; }
    }
}

/// <summary>One record of an agent's request: the event it maps to, or why it cannot be mapped.</summary>
internal readonly record struct MappedRecord(EventSubmission? Submission, string? Problem)
{
    public static MappedRecord Mapped(AgentEvent agentEvent)
    {
        try
        {
            return new(agentEvent.ToSubmission(), null);
        }
        catch (ArgumentException)
        {
            // Utf8JsonWriter refuses a string with an unpaired surrogate (OTLP JSON can carry "\ud800").
            return Unmappable("A string is not valid Unicode text.");
        }
    }

    public static MappedRecord Unmappable(string problem) => new(null, problem);
}
