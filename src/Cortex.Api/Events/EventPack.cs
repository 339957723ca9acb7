using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Cortex.Api.Events;

/// <summary>
/// The bus's unit of transport: several stored events in one EventBridge detail,
/// <c>{"events":[event, event, ...]}</c> (docs/eventbridge.md). The publisher writes it; the
/// consumer reads it with the same field rules as one event (<see cref="StoredEventReader"/>).
/// </summary>
public static class EventPack
{
    /// <summary>The one property of a pack: the array of events, in the order of the request.</summary>
    public const string EventsProperty = "events";

    /// <summary>The UTF-8 bytes a pack adds around its events: <c>{"events":[</c>, <c>]}</c> and a comma between two events.</summary>
    public static int FramingBytes(int events) => EventsProperty.Length + 7 + Math.Max(0, events - 1);

    /// <summary>
    /// Whether the object the reader is on (a StartObject, not consumed) is a pack: its first
    /// property is <see cref="EventsProperty"/>. A detail that is one event has no such field.
    /// </summary>
    internal static bool IsPack(Utf8JsonReader reader) =>
        reader.Read() && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals(EventsProperty);

    /// <summary>
    /// Reads a pack, the reader on its StartObject and left on its EndObject. Every event must be
    /// valid, there must be at least one, and nothing else may be in the pack: a pack with one bad
    /// event is refused whole, so that it is dead-lettered and replayed whole. Malformed JSON throws
    /// as it does for <see cref="Utf8JsonReader"/>.
    /// </summary>
    internal static bool TryRead(ref Utf8JsonReader reader, [NotNullWhen(true)] out List<TelemetryEvent>? events, [NotNullWhen(false)] out string? problems)
    {
        events = null;
        reader.Read();
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            StrictJson.SkipChecked(ref reader);
            SkipRest(ref reader);
            problems = $"The pack's \"{EventsProperty}\" is not an array.";
            return false;
        }

        var read = new List<TelemetryEvent>();
        var invalid = new List<string>();
        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                StrictJson.SkipChecked(ref reader);
                invalid.Add($"event {index}: not a JSON object.");
            }
            else if (StoredEventReader.TryRead(ref reader, out var telemetryEvent, out var eventProblems))
            {
                read.Add(telemetryEvent);
            }
            else
            {
                invalid.Add($"event {index}: {eventProblems}");
            }

            index++;
        }

        if (SkipRest(ref reader))
        {
            problems = $"The pack has a property other than \"{EventsProperty}\".";
            return false;
        }

        if (invalid.Count > 0)
        {
            problems = $"{invalid.Count} of the pack's {index} events are invalid: " + string.Join(" ", invalid);
            return false;
        }

        if (read.Count == 0)
        {
            problems = "The pack holds no events.";
            return false;
        }

        events = read;
        problems = null;
        return true;
    }

    /// <summary>Moves the reader to the pack's EndObject; true when it had properties after the events.</summary>
    private static bool SkipRest(ref Utf8JsonReader reader)
    {
        var more = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            more = true;
            reader.Read();
            StrictJson.SkipChecked(ref reader);
        }

        return more;
    }
}
