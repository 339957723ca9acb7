namespace Cortex.Tests.Durability;

/// <summary>Runs the kill test alone: its 16 senders and child process would slow every test beside it on a small machine, and be slowed by them.</summary>
[CollectionDefinition(nameof(KillDuringIngestionTests), DisableParallelization = true)]
public sealed class KillDuringIngestionCollection;
