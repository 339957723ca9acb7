namespace Cortex.Api.Events;

/// <summary>The request body is not acceptable JSON (a 400, not a validation problem).</summary>
public sealed class MalformedJsonException : Exception
{
    public MalformedJsonException()
        : base("The request body is not valid JSON.")
    {
    }

    public MalformedJsonException(string message)
        : base(message)
    {
    }

    public MalformedJsonException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
