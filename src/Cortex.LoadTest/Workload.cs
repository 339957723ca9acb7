using System.Globalization;

namespace Cortex.LoadTest;

/// <summary>
/// How the generated events are spread over agents and over time (docs/performance.md, "Method").
/// Both model a fleet of <see cref="Agents"/> agents named server-web-000 to server-web-999, and
/// both stamp every event's timestamp when its request is sent, as now minus the event's age; an
/// event's age is drawn once, when the pool of bodies is built, uniform in 0 to
/// <see cref="MaxAgeMilliseconds"/>.
/// </summary>
/// <param name="Name">The value of --workload.</param>
/// <param name="OneAgentPerBatch">True: a batch body holds the events of one agent; false: every event comes from a random agent.</param>
/// <param name="MaxAgeMilliseconds">The oldest an event is when it is sent.</param>
public sealed record Workload(string Name, bool OneAgentPerBatch, int MaxAgeMilliseconds)
{
    public const int Agents = 1000;

    /// <summary>
    /// The default, a real fleet: an agent posts a batch of its own buffered events. 1,000 agents
    /// sending 100-event batches at the 50,000 events/s target each flush every
    /// 1000 * 100 / 50000 = 2 s, so a batch spans the agent's last 2 s. Single events use the same 2 s spread.
    /// </summary>
    public static readonly Workload Fleet = new("fleet", OneAgentPerBatch: true, MaxAgeMilliseconds: 2_000);

    /// <summary>A stress case (the tool's only workload before): any agent in any event, up to 60 s old.</summary>
    public static readonly Workload Scattered = new("scattered", OneAgentPerBatch: false, MaxAgeMilliseconds: 60_000);

    public static IReadOnlyList<Workload> All { get; } = [Fleet, Scattered];

    public static Workload Parse(string name) =>
        All.FirstOrDefault(w => string.Equals(w.Name, name, StringComparison.Ordinal))
        ?? throw new ArgumentException($"Unknown workload '{name}'; expected one of: {string.Join(", ", All.Select(w => w.Name))}.", nameof(name));

    /// <summary>One line for reports, e.g. "fleet: one agent per batch, events 0-2000 ms old at send time".</summary>
    public string Description => string.Create(
        CultureInfo.InvariantCulture,
        $"{Name}: {(OneAgentPerBatch ? "one agent per batch" : "a random agent per event")}, events 0-{MaxAgeMilliseconds} ms old at send time");

    public override string ToString() => Name;
}
