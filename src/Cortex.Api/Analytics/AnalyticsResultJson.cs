using System.Text.Json;
using Cortex.Api.Ports;

namespace Cortex.Api.Analytics;

/// <summary>A result as the API returns it: one member per table, each an array of row objects.</summary>
internal static class AnalyticsResultJson
{
    public static byte[] Write(AnalyticsResult result)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (var table in result.Tables)
            {
                writer.WriteStartArray(table.Name);
                foreach (var row in table.Rows)
                {
                    writer.WriteStartObject();
                    for (var i = 0; i < table.Columns.Count; i++)
                    {
                        writer.WritePropertyName(table.Columns[i]);
                        WriteValue(writer, row[i]);
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case double d:
                writer.WriteNumberValue(d);
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            default:
                throw new InvalidOperationException($"An analytics value of type {value.GetType().Name} has no JSON form.");
        }
    }
}
