using VSwitch.Flows.Rules;

namespace VSwitch.Flows.Translation;

/// <summary>
/// One thing a translated flow's packets count on: a flow's, group's or bucket's <see cref="HitCounters"/> (shared,
/// atomic), or a table lookup (and whether it matched) that the datapath thread counts in its own per-table array.
/// </summary>
/// <param name="Counters">The counters, or null for a table entry.</param>
/// <param name="TableId">For a table entry: the table looked up.</param>
/// <param name="Matched">For a table entry: true when a flow matched.</param>
public readonly record struct FlowCredit(HitCounters? Counters, byte TableId, bool Matched);
