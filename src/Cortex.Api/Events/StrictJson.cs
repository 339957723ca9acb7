using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;

namespace Cortex.Api.Events;

/// <summary>
/// The JSON rules every body Cortex reads follows beyond what Utf8JsonReader checks itself: UTF-8
/// text, no duplicate key at any depth, nothing after the root value; and their messages.
/// </summary>
internal static class StrictJson
{
    internal static readonly JsonReaderOptions ReaderOptions = new()
    {
        // Depth is checked on data (30) as a validation rule; the reader only needs a backstop.
        MaxDepth = 100_000,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    /// <summary>Null when <paramref name="json"/> is non-empty UTF-8, else what is wrong with it.</summary>
    internal static string? CheckText(ReadOnlySpan<byte> json, string what)
    {
        if (json.Trim(" \t\r\n"u8).IsEmpty)
        {
            return $"The {what} is empty.";
        }

        return Utf8.IsValid(json) ? null : $"The {what} is not valid UTF-8.";
    }

    /// <summary>The reader refuses anything but whitespace after the root value (isFinalBlock).</summary>
    internal static void EnsureEnd(ref Utf8JsonReader reader)
    {
        if (reader.Read())
        {
            throw new JsonException("content after the JSON value");
        }
    }

    /// <summary>
    /// What a malformed document means, in words a client can act on: a duplicate key by its name,
    /// anything the reader refused by its position (line and byte).
    /// </summary>
    internal static string Describe(JsonException ex, string what) =>
        ex.LineNumber is { } line && ex.BytePositionInLine is { } position
            ? string.Create(CultureInfo.InvariantCulture, $"The {what} is not valid JSON (line {line + 1}, byte {position + 1}).")
            : $"The {what} is not valid JSON: {ex.Message}.";

    /// <summary>GetString refuses escaped lone surrogates ("\ud800"): not text, so a 400 rather than a 500.</summary>
    internal static string LoneSurrogate(string what) =>
        $"The {what} is not valid JSON text: a string has an unpaired surrogate escape.";

    internal static JsonException DuplicateKey(string name) => new($"a JSON object has a duplicate key \"{name}\"");

    /// <summary>Skips a value while still refusing duplicate keys inside it.</summary>
    internal static void SkipChecked(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return;
        }

        var baseDepth = reader.CurrentDepth;
        var keys = new Stack<HashSet<string>>();
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            keys.Push(new HashSet<string>(StringComparer.Ordinal));
        }

        while (reader.Read() && reader.CurrentDepth > baseDepth)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    keys.Push(new HashSet<string>(StringComparer.Ordinal));
                    break;
                case JsonTokenType.EndObject:
                    keys.Pop();
                    break;
                case JsonTokenType.PropertyName:
                    var name = reader.GetString()!;
                    if (!keys.Peek().Add(name))
                    {
                        throw DuplicateKey(name);
                    }

                    break;
                default:
                    break;
            }
        }
    }

    internal static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };
}
