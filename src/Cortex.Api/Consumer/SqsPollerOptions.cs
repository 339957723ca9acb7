using System.ComponentModel.DataAnnotations;

namespace Cortex.Api.Consumer;

/// <summary>The in-process SQS poller for emulators and container deployments (Cortex:Aws:Poller).</summary>
public sealed class SqsPollerOptions
{
    public const string SectionName = "Cortex:Aws:Poller";

    /// <summary>The queue the poller reads, bound from Cortex:Aws:QueueUrl (shared with the AWS adapters).</summary>
    public const string QueueUrlKey = "Cortex:Aws:QueueUrl";

    /// <summary>Runs the poller. Off in Lambda, where the event source mapping delivers batches.</summary>
    public bool Enabled { get; set; }

    /// <summary>Filled from <see cref="QueueUrlKey"/>; required when the poller is enabled.</summary>
    public string? QueueUrl { get; set; }

    /// <summary>Messages per ReceiveMessage call (SQS allows 1 to 10).</summary>
    [Range(1, 10)]
    public int MaxMessages { get; set; } = 10;

    /// <summary>Long-poll wait per ReceiveMessage call (SQS allows 0 to 20 seconds).</summary>
    [Range(0, 20)]
    public int WaitTimeSeconds { get; set; } = 20;

    /// <summary>
    /// The visibility timeout asked for on each receive. The batch must be handled and its successes
    /// deleted within it (less the consumer's safety margin); failures reappear when it runs out.
    /// </summary>
    [Range(5, 43_200)]
    public int VisibilityTimeoutSeconds { get; set; } = 180;

    /// <summary>
    /// The first wait after a failed SQS call; it grows exponentially (with jitter) up to
    /// <see cref="MaxBackoff"/>, and starts again from here after a round succeeds.
    /// </summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);
}
