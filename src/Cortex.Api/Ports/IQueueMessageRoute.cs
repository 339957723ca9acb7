namespace Cortex.Api.Ports;

/// <summary>
/// A kind of SQS message the Lambda pass-through endpoint takes besides Cortex events (the import
/// inbox's S3 notifications): the one function consumes several queues, and each message says by
/// its body which it is.
/// </summary>
public interface IQueueMessageRoute
{
    /// <summary>Whether this route handles a message with this body.</summary>
    bool Claims(string body);

    /// <summary>Handles one message; false leaves it on the queue for another delivery.</summary>
    Task<bool> HandleAsync(string body, DateTimeOffset? deadline, CancellationToken cancellationToken);
}
