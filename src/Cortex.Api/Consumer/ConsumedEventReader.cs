using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using Cortex.Api.Events;

namespace Cortex.Api.Consumer;

/// <summary>
/// Reads the Cortex events out of an SQS message body: the body is the EventBridge event and its
/// <c>detail</c> is a pack of events (<see cref="EventPack"/>), or one event as messages sent before
/// packing carried it. What the ingestion side guaranteed is checked again, with the same reader and
/// rules (<see cref="StoredEventReader"/>), because the queue accepts anything anyone with send
/// rights puts on it; a message with any event that fails here is malformed as a whole and goes to
/// the dead-letter queue after its last receive instead of into the table.
/// </summary>
internal static class ConsumedEventReader
{
    public static bool TryRead(string? body, [NotNullWhen(true)] out IReadOnlyList<TelemetryEvent>? events, [NotNullWhen(false)] out string? reason)
    {
        events = null;
        var utf8 = Encoding.UTF8.GetBytes(body ?? string.Empty);
        reason = StrictJson.CheckText(utf8, "message body");
        if (reason is not null)
        {
            return false;
        }

        var reader = new Utf8JsonReader(utf8, StrictJson.ReaderOptions);
        try
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reason = "The message body is not a JSON object.";
                return false;
            }

            // The whole envelope is read before deciding, so a malformed body is reported as such
            // even when its detail came first.
            reason = "The message body has no \"detail\": it is not an EventBridge event.";
            var keys = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                if (!keys.Add(name))
                {
                    throw new JsonException($"a JSON object has a duplicate key \"{name}\"");
                }

                reader.Read();
                if (name != "detail")
                {
                    StrictJson.SkipChecked(ref reader);
                }
                else if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reason = "The event's \"detail\" is not a JSON object.";
                    StrictJson.SkipChecked(ref reader);
                }
                else if (EventPack.IsPack(reader))
                {
                    reason = EventPack.TryRead(ref reader, out var pack, out var problems)
                        ? null
                        : "The pack in \"detail\" is invalid: " + problems;
                    events = pack;
                }
                else if (!StoredEventReader.TryRead(ref reader, out var telemetryEvent, out var problems))
                {
                    reason = "The event in \"detail\" is invalid: " + problems;
                }
                else
                {
                    events = [telemetryEvent];
                    reason = null;
                }
            }

            StrictJson.EnsureEnd(ref reader);
        }
        catch (JsonException ex)
        {
            reason = StrictJson.Describe(ex, "message body");
        }
        catch (InvalidOperationException)
        {
            reason = StrictJson.LoneSurrogate("message body");
        }

        if (reason is not null)
        {
            events = null;
            return false;
        }

        return events is not null;
    }
}
