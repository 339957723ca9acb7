namespace Cortex.Api.Events;

/// <summary>What reading a request body gave: the value, or why the body as a whole is refused.</summary>
public readonly record struct EventRead<T>(T? Value, EventReadFailure Failure, string? Error)
    where T : class;

public static class EventRead
{
    public static EventRead<T> Read<T>(T value)
        where T : class => new(value, EventReadFailure.None, null);

    public static EventRead<T> Malformed<T>(string error)
        where T : class => new(null, EventReadFailure.Malformed, error);

    public static EventRead<T> TooManyItems<T>(string error)
        where T : class => new(null, EventReadFailure.TooManyItems, error);
}

public enum EventReadFailure
{
    None,

    /// <summary>Not acceptable JSON: empty, invalid UTF-8, malformed, duplicate keys, the wrong root.</summary>
    Malformed,

    /// <summary>A batch with more items than the configured maximum.</summary>
    TooManyItems,
}
