namespace Cortex.Api.Events;

/// <summary>The server-owned fields of a stored event, as <see cref="EventReader"/> found them.</summary>
internal sealed class StoredFields
{
    public string? IngestedAt { get; set; }

    public string? RequestId { get; set; }

    public string? SubmittedBy { get; set; }

    public string? SourceIp { get; set; }

    public string? TraceParent { get; set; }

    public long? ExpiresAt { get; set; }
}
