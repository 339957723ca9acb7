namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>
/// The sync that makes committed WAL frames durable before anyone is answered
/// (<see cref="WalSyncer"/>). A seam so tests can hold or observe it; the app uses <see cref="FileWalSync"/>.
/// </summary>
internal interface IWalSync
{
    /// <summary>Opens the WAL file that <see cref="Sync"/> makes durable; called once, while the writer's connection keeps it in place.</summary>
    void Open(string walPath);

    /// <summary>Makes everything written to the WAL so far durable; throws if the operating system could not.</summary>
    void Sync();
}
