namespace Cortex.Api.Intake;

/// <summary>What an agent's body held: its records mapped one by one, or why the body as a whole is refused.</summary>
internal sealed record AgentBody(IReadOnlyList<MappedRecord> Records, AgentBodyFailure Failure, string? Error)
{
    public static AgentBody Read(IReadOnlyList<MappedRecord> records) => new(records, AgentBodyFailure.None, null);

    public static AgentBody Malformed(string error) => new([], AgentBodyFailure.Malformed, error);

    public static AgentBody TooManyRecords(int maxRecords) =>
        new([], AgentBodyFailure.TooManyRecords, $"The request has more than {maxRecords} records; send at most {maxRecords} per request.");
}

internal enum AgentBodyFailure
{
    None,

    /// <summary>Not decodable: 400.</summary>
    Malformed,

    /// <summary>More records than one request may carry: 413.</summary>
    TooManyRecords,
}
