namespace Cortex.Tests.Consumer;

/// <summary>
/// A clock that throws once told to, so the consumer's handler fails as a whole before it
/// reaches any record. Shared with the integration tests (linked in their project file).
/// </summary>
internal sealed class FailingClock : TimeProvider
{
    private volatile bool _fail;

    public bool Fail
    {
        get => _fail;
        set => _fail = value;
    }

    public override DateTimeOffset GetUtcNow() =>
        Fail ? throw new InvalidOperationException("The clock is broken (test double).") : base.GetUtcNow();
}
