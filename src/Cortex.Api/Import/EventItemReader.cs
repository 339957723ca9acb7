using System.Globalization;
using System.Text.Json;
using Cortex.Api.Events;

namespace Cortex.Api.Import;

/// <summary>
/// Reads a decompressed file one event at a time, in a buffer of bounded size: NDJSON line by
/// line, a JSON array item by item. Each item is handed on as its bytes, for
/// <see cref="EventReader.ReadSingle"/> to read exactly as a POST /events body.
/// </summary>
internal abstract class EventItemReader(Stream stream, int bufferBytes)
{
    private byte[] _buffer = new byte[bufferBytes];

    /// <summary>The line (NDJSON) or item (JSON array) number of <see cref="Item"/>, 1-based; after the end, how many were read.</summary>
    public long Line { get; protected set; }

    /// <summary>The bytes of the current item; valid until the next read.</summary>
    public ReadOnlyMemory<byte> Item { get; protected set; }

    /// <summary>Set when the current item cannot be read at all (a line over the size limit); <see cref="Item"/> is then empty.</summary>
    public string? Problem { get; protected set; }

    /// <summary>Set when the file as a whole is not readable from here on (a broken JSON array); reading has stopped.</summary>
    public string? FileProblem { get; protected set; }

    protected byte[] Buffer => _buffer;

    protected int Start { get; set; }

    protected int End { get; set; }

    protected bool AtEnd { get; private set; }

    public static EventItemReader Create(string format, Stream stream, int maxItemBytes) =>
        format == ImportFormats.JsonArray ? new JsonArrayItemReader(stream, maxItemBytes) : new NdjsonItemReader(stream, maxItemBytes);

    /// <summary>Moves to the next item; false at the end of the file or after a <see cref="FileProblem"/>.</summary>
    public abstract ValueTask<bool> ReadAsync(CancellationToken cancellationToken);

    /// <summary>Keeps the unread bytes, moved to the front, and reads more after them; false at the end of the stream.</summary>
    protected async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (AtEnd)
        {
            return false;
        }

        if (Start > 0)
        {
            _buffer.AsSpan(Start, End - Start).CopyTo(_buffer);
            End -= Start;
            Start = 0;
        }

        var read = await stream.ReadAsync(_buffer.AsMemory(End), cancellationToken);
        if (read == 0)
        {
            AtEnd = true;
            return false;
        }

        End += read;
        return true;
    }

    protected bool BufferFull => Start == 0 && End == _buffer.Length;

    protected void Grow(int size) => Array.Resize(ref _buffer, size);
}

/// <summary>One event per line; blank lines count as lines and are skipped; a line longer than the limit is rejected alone.</summary>
internal sealed class NdjsonItemReader(Stream stream, int maxLineBytes) : EventItemReader(stream, maxLineBytes + 64 * 1024)
{
    private readonly int _maxLineBytes = maxLineBytes;
    private bool _skippingLongLine;

    public override async ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        Problem = null;
        while (true)
        {
            var newline = Buffer.AsSpan(Start, End - Start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = Buffer.AsMemory(Start, newline);
                Start += newline + 1;
                if (TakeLine(line))
                {
                    return true;
                }

                continue;
            }

            if (_skippingLongLine || End - Start > _maxLineBytes)
            {
                // Too long to be an event: drop what is buffered and look for the line's end.
                _skippingLongLine = true;
                Start = End = 0;
            }

            if (!await FillAsync(cancellationToken))
            {
                var rest = Buffer.AsMemory(Start, End - Start);
                Start = End;
                return (rest.Length > 0 || _skippingLongLine) && TakeLine(rest);
            }
        }
    }

    /// <summary>Counts a line and says whether it is an item to hand on (blank lines are not).</summary>
    private bool TakeLine(ReadOnlyMemory<byte> line)
    {
        Line++;
        if (_skippingLongLine)
        {
            _skippingLongLine = false;
            Item = ReadOnlyMemory<byte>.Empty;
            Problem = string.Create(CultureInfo.InvariantCulture, $"The line is longer than {_maxLineBytes} bytes, the largest event accepted.");
            return true;
        }

        if (line.Span.Length > 0 && line.Span[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        if (line.Length > _maxLineBytes)
        {
            Item = ReadOnlyMemory<byte>.Empty;
            Problem = string.Create(CultureInfo.InvariantCulture, $"The line is longer than {_maxLineBytes} bytes, the largest event accepted.");
            return true;
        }

        Item = line;
        return !line.Span.Trim(" \t"u8).IsEmpty;
    }
}

/// <summary>
/// The items of one top-level JSON array, found with Utf8JsonReader across buffer refills. The
/// array's structure must hold throughout (it is checked whole before anything is stored); an
/// item that is valid JSON but not a valid event is rejected alone.
/// </summary>
internal sealed class JsonArrayItemReader(Stream stream, int maxItemBytes) : EventItemReader(stream, 256 * 1024)
{
    private readonly int _maxItemBytes = maxItemBytes;
    private JsonReaderState _state = new(StrictJson.ReaderOptions);
    private bool _inArray;
    private bool _done;

    private enum Step
    {
        Item,
        NeedMore,
        EndOfArray,
        Skipped,
    }

    public override async ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        Problem = null;
        while (!_done)
        {
            Step step;
            try
            {
                step = TryStep();
            }
            catch (JsonException ex)
            {
                return Stop(string.Create(CultureInfo.InvariantCulture,
                    $"The file is not a valid JSON array: the JSON breaks after item {Line} (line {ex.LineNumber + 1} of that stretch). Nothing was stored."));
            }

            switch (step)
            {
                case Step.Item:
                    return true;
                case Step.Skipped:
                    continue;
                case Step.EndOfArray:
                    return await EnsureOnlyWhitespaceFollowsAsync(cancellationToken);
                default:
                    break;
            }

            if (AtEnd)
            {
                return Stop(_inArray
                    ? "The file is not a valid JSON array: it ends before the closing ]. Nothing was stored."
                    : "The file is empty.");
            }

            if (BufferFull)
            {
                if (Buffer.Length > _maxItemBytes)
                {
                    return Stop(string.Create(CultureInfo.InvariantCulture,
                        $"Item {Line + 1} of the JSON array is larger than {_maxItemBytes} bytes, the largest event accepted. Nothing was stored."));
                }

                Grow(Math.Min(Buffer.Length * 2, _maxItemBytes + 1));
            }

            await FillAsync(cancellationToken);
        }

        return false;
    }

    private Step TryStep()
    {
        var reader = new Utf8JsonReader(Buffer.AsSpan(Start, End - Start), AtEnd, _state);
        if (!reader.Read())
        {
            return Step.NeedMore;
        }

        if (!_inArray)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw new JsonException("not an array");
            }

            _inArray = true;
            Advance(ref reader);
            return Step.Skipped;
        }

        if (reader.TokenType == JsonTokenType.EndArray)
        {
            Advance(ref reader);
            return Step.EndOfArray;
        }

        var itemStart = (int)reader.TokenStartIndex;
        if (!reader.TrySkip())
        {
            return Step.NeedMore;
        }

        Line++;
        Item = Buffer.AsMemory(Start + itemStart, (int)reader.BytesConsumed - itemStart);
        Advance(ref reader);
        return Step.Item;
    }

    private void Advance(ref Utf8JsonReader reader)
    {
        Start += (int)reader.BytesConsumed;
        _state = reader.CurrentState;
    }

    private async ValueTask<bool> EnsureOnlyWhitespaceFollowsAsync(CancellationToken cancellationToken)
    {
        do
        {
            if (!Buffer.AsSpan(Start, End - Start).Trim(" \t\r\n"u8).IsEmpty)
            {
                return Stop("The file is not a valid JSON array: there is content after the closing ]. Nothing was stored.");
            }

            Start = End;
        }
        while (await FillAsync(cancellationToken));

        _done = true;
        return false;
    }

    private bool Stop(string problem)
    {
        FileProblem = problem;
        _done = true;
        return false;
    }
}

internal static class ImportFormats
{
    public const string Ndjson = "ndjson";
    public const string JsonArray = "json_array";
}
