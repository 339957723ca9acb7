using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Microsoft.Net.Http.Headers;

namespace Cortex.Api.Intake.Otlp;

/// <summary>The two OTLP/HTTP encodings; the response is written in the request's.</summary>
internal enum OtlpEncoding
{
    Protobuf,
    Json,
}

/// <summary>
/// Decodes an OTLP/HTTP body: binary protobuf, or the OTLP JSON mapping (proto3 JSON with
/// lowerCamelCase names and string-encoded 64-bit integers, except that trace and span ids are
/// hex, not base64). Unknown fields are ignored, as OTLP receivers must; duplicate JSON keys are
/// refused, as everywhere in Cortex.
/// </summary>
internal static class OtlpDecoder
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
    private static readonly JsonDocumentOptions DocumentOptions = new() { AllowDuplicateProperties = false, MaxDepth = 128 };
    private static readonly HashSet<string> HexIdFields = new(StringComparer.Ordinal) { "traceId", "spanId", "trace_id", "span_id" };

    public static OtlpEncoding? EncodingOf(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            return null;
        }

        if (mediaType.MediaType.Equals("application/x-protobuf", StringComparison.OrdinalIgnoreCase))
        {
            return OtlpEncoding.Protobuf;
        }

        return mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) ? OtlpEncoding.Json : null;
    }

    public static T? Decode<T>(MessageParser<T> parser, ReadOnlySpan<byte> body, OtlpEncoding encoding, out string? error)
        where T : class, IMessage<T>, new()
    {
        error = null;
        try
        {
            return encoding == OtlpEncoding.Protobuf ? parser.ParseFrom(body) : DecodeJson<T>(body);
        }
        catch (InvalidProtocolBufferException ex)
        {
            error = (encoding == OtlpEncoding.Protobuf ? "The body is not a valid protobuf message: " : "The body is not valid OTLP JSON: ") + ex.Message;
        }
        catch (InvalidJsonException ex)
        {
            error = "The body is not valid OTLP JSON: " + ex.Message;
        }
        catch (JsonException ex)
        {
            error = "The body is not valid JSON (duplicate keys included): " + ex.Message;
        }
        catch (FormatException ex)
        {
            error = "The body is not valid OTLP JSON: " + ex.Message;
        }
        catch (InvalidOperationException ex)
        {
            error = "The body is not valid OTLP JSON: " + ex.Message;
        }

        return null;
    }

    private static T DecodeJson<T>(ReadOnlySpan<byte> body)
        where T : class, IMessage<T>, new()
    {
        var root = JsonNode.Parse(body, documentOptions: DocumentOptions)
            ?? throw new FormatException("The body is JSON null.");
        HexIdsToBase64(root);
        return Parser.Parse<T>(root.ToJsonString());
    }

    /// <summary>OTLP JSON writes trace and span ids as hex; proto3 JSON reads bytes as base64.</summary>
    private static void HexIdsToBase64(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToArray())
                {
                    if (value is null)
                    {
                        continue;
                    }

                    if (HexIdFields.Contains(name) && value.GetValueKind() == JsonValueKind.String)
                    {
                        obj[name] = Convert.ToBase64String(Convert.FromHexString(value.GetValue<string>()));
                    }
                    else
                    {
                        HexIdsToBase64(value);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    if (item is not null)
                    {
                        HexIdsToBase64(item);
                    }
                }

                break;
            default:
                break;
        }
    }
}
