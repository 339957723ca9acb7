namespace Cortex.Api.Events;

/// <summary>
/// One event as a client submitted it, after reading and before validation. Fields that had
/// the wrong JSON type are left null and described in <see cref="ReadErrors"/>.
/// </summary>
public sealed class EventSubmission
{
    public string? Source { get; set; }

    public string? EventType { get; set; }

    public string? Severity { get; set; }

    /// <summary>The canonical compact JSON of the data object as UTF-8, numbers exactly as written.</summary>
    public byte[]? Data { get; set; }

    public DateTimeOffset? Timestamp { get; set; }

    public string? Hostname { get; set; }

    public string? Region { get; set; }

    public Dictionary<string, string>? Tags { get; set; }

    public Guid? EventId { get; set; }

    /// <summary>The size of the event object in the request body, in bytes.</summary>
    public int SizeInBytes { get; set; }

    /// <summary>Errors found while reading: wrong types, bad formats, data too deep, numbers out of range.</summary>
    public Dictionary<string, List<string>> ReadErrors { get; } = new(StringComparer.Ordinal);

    public bool HasReadError(string field) => ReadErrors.ContainsKey(field);

    public void AddReadError(string field, string message)
    {
        if (!ReadErrors.TryGetValue(field, out var messages))
        {
            messages = [];
            ReadErrors[field] = messages;
        }

        if (!messages.Contains(message))
        {
            messages.Add(message);
        }
    }
}
