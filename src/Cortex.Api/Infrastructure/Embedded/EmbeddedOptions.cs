using System.ComponentModel.DataAnnotations;

namespace Cortex.Api.Infrastructure.Embedded;

/// <summary>The embedded SQLite store (Cortex:Embedded).</summary>
public sealed class EmbeddedOptions
{
    public const string SectionName = "Cortex:Embedded";

    /// <summary>The database file; relative paths are under the content root.</summary>
    [Required]
    public string DatabasePath { get; set; } = "data/cortex.db";

    /// <summary>
    /// FULL: a request is answered only after the WAL holding its commit is synced, so an
    /// acknowledged event survives a power cut as well as a process kill (the writer commits with
    /// SQLite's NORMAL and <see cref="WalSyncer"/> syncs the WAL while the next commit is built).
    /// NORMAL: answered after COMMIT, unsynced; survives only a process kill.
    /// </summary>
    [RegularExpression("^(FULL|NORMAL)$")]
    public string Synchronous { get; set; } = "FULL";

    /// <summary>The most events one group commit writes.</summary>
    [Range(1, 100_000)]
    public int MaxEventsPerCommit { get; set; } = 5000;

    /// <summary>Write requests that may wait for the writer before new ones get 503.</summary>
    [Range(1, 1_000_000)]
    public int WriteQueueCapacity { get; set; } = 10_000;

    /// <summary>The JSON-lines file that keeps events whose commit failed, for replay.</summary>
    [Required]
    public string DeadLetterPath { get; set; } = "data/dead-letters.jsonl";

    /// <summary>The writer connection's page cache, in MiB (SQLite's default is 2).</summary>
    [Range(2, 4096)]
    public int WriterCacheMiB { get; set; } = 16;

    /// <summary>
    /// How often a background connection checkpoints the WAL into the database file. Doing it
    /// there, not in the writer's commits, keeps the copy and its sync off the ingestion path.
    /// </summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The WAL's bound, in MiB. Under sustained writes a background PASSIVE checkpoint never
    /// finishes, so without help the WAL is never rewound and grows without end (5.4 GB in 40 s of
    /// batch load, measured). At a quarter of this length the background connection asks the writer
    /// to checkpoint what its passes left behind between two commits, and the WAL restarts; at the
    /// full length the writer checkpoints after every commit until it does (the bound, should the
    /// background connection fall behind). See <see cref="WalCheckpointer"/>.
    /// </summary>
    [Range(1, 65_536)]
    public int WalLimitMiB { get; set; } = 256;

    /// <summary>
    /// How long the startup integrity check (<c>PRAGMA quick_check</c>) may read the database
    /// before startup goes on without finishing it; zero skips it. Damage it finds refuses the start.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan IntegrityCheckBudget { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often expired events are deleted.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The most stored events one analytics job may read; a job estimated to read more is refused (422).</summary>
    [Range(1, long.MaxValue)]
    public long AnalyticsScanBudgetEvents { get; set; } = 50_000_000;
}
