using System.ComponentModel.DataAnnotations;

namespace Cortex.Api.Consumer;

/// <summary>How the SQS consumer handles a batch, whichever entry point delivered it (Cortex:Consumer).</summary>
public sealed class ConsumerOptions
{
    public const string SectionName = "Cortex:Consumer";

    /// <summary>Records of one standard-queue batch stored at the same time (FIFO batches go one by one).</summary>
    [Range(1, 100)]
    public int MaxConcurrency { get; set; } = 10;

    /// <summary>
    /// Time kept in hand before a batch's deadline: records not finished by then are reported as
    /// failed, so the answer (or the deletes) still goes out before Lambda or the visibility timeout cuts in.
    /// </summary>
    public TimeSpan DeadlineSafetyMargin { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The queue's redrive maxReceiveCount (terraform/resources.json). Only used to log a failure on
    /// the last delivery as an error, since that message goes to the dead-letter queue next.
    /// </summary>
    [Range(1, 1000)]
    public int MaxReceiveCount { get; set; } = 3;
}
