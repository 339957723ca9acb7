using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Cortex.Api.Events;

namespace Cortex.Api.Consumer;

/// <summary>
/// Reads the Cortex event out of an SQS message body: the body is the EventBridge event and the
/// event is its <c>detail</c>. What the ingestion side guaranteed is checked again, with the same
/// reader and rules (<see cref="StoredEventReader"/>), because the queue accepts anything anyone
/// with send rights puts on it; a message that fails here is malformed and goes to the dead-letter
/// queue after its last receive instead of into the table.
/// </summary>
internal static class ConsumedEventReader
{
    private static readonly JsonDocumentOptions DocumentOptions = EventReader.StrictOptions with { MaxDepth = 64 };

    public static bool TryRead(string? body, [NotNullWhen(true)] out TelemetryEvent? telemetryEvent, [NotNullWhen(false)] out string? reason)
    {
        telemetryEvent = null;
        if (string.IsNullOrWhiteSpace(body))
        {
            reason = "The message body is empty.";
            return false;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException ex)
        {
            reason = EventReader.Describe(ex, "message body");
            return false;
        }
        catch (InvalidOperationException)
        {
            reason = "The message body is not valid JSON text: a key has an unpaired surrogate escape.";
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                reason = "The message body is not a JSON object.";
                return false;
            }

            if (!root.TryGetProperty("detail", out var detail))
            {
                reason = "The message body has no \"detail\": it is not an EventBridge event.";
                return false;
            }

            if (detail.ValueKind != JsonValueKind.Object)
            {
                reason = "The event's \"detail\" is not a JSON object.";
                return false;
            }

            if (!StoredEventReader.TryRead(detail, out telemetryEvent, out var problems))
            {
                reason = "The event in \"detail\" is invalid: " + problems;
                return false;
            }
        }

        reason = null;
        return true;
    }
}
