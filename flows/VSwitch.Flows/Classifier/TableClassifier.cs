using System.Runtime.CompilerServices;
using VSwitch.Flows.Keys;
using VSwitch.Flows.Rules;

namespace VSwitch.Flows.Classifier;

/// <summary>
/// Immutable tuple-space-search classifier over the rules of one flow table: one hash table per distinct mask,
/// searched in order of the highest priority each holds, stopping as soon as the best match found so far outranks
/// every rule of the remaining hash tables.
/// Winner: the matching rule with the highest priority; among equal priorities, the one added first.
/// The translation of a packet through the tables asks it which key bits decided the answer
/// (<see cref="Lookup(in FlowKey, ref FlowMask)"/>): the masks of every hash table it searched, whose union makes the
/// megaflow's mask (OVS's wildcards from <c>classifier_lookup</c>, without its staged refinement).
/// Thread rules: immutable and thread-safe; the control thread builds it (through <see cref="FlowTables.Build"/>),
/// datapath threads read it. Cost: a lookup is one hash probe per hash table visited; no allocation.
/// </summary>
public sealed class TableClassifier
{
    private readonly Subtable[] _subtables;
    private readonly int[] _maxPriorities;

    private TableClassifier(Subtable[] subtables, int ruleCount)
    {
        _subtables = subtables;
        _maxPriorities = new int[subtables.Length];
        for (int i = 0; i < subtables.Length; i++)
        {
            _maxPriorities[i] = subtables[i].MaxPriority;
        }
        RuleCount = ruleCount;
    }

    /// <summary>Number of rules in the snapshot.</summary>
    public int RuleCount { get; }

    /// <summary>Number of distinct masks (hash tables searched on a full miss).</summary>
    public int SubtableCount => _subtables.Length;

    /// <summary>The rule that wins for <paramref name="key"/>, or null if none matches. Any thread; no allocation.</summary>
    public FlowRule? Lookup(in FlowKey key)
    {
        FlowMask ignored = default;
        return Lookup(in key, ref ignored);
    }

    /// <summary>
    /// The rule that wins for <paramref name="key"/>, or null; ORs into <paramref name="consulted"/> the mask of every
    /// hash table it searched: any key equal to this one in those bits gets the same answer. Any thread; no allocation.
    /// </summary>
    public FlowRule? Lookup(in FlowKey key, ref FlowMask consulted)
    {
        Subtable[] subtables = _subtables;
        int[] maxPriorities = _maxPriorities;
        FlowRule? best = null;
        for (int i = 0; i < subtables.Length && i < maxPriorities.Length; i++)
        {
            if (best is not null && maxPriorities[i] < best.Priority)
            {
                break;
            }
            Subtable s = subtables[i];
            s.AddMaskTo(ref consulted);
            FlowRule? r = s.Find(in key);
            if (r is not null && (best is null || Beats(r, best)))
            {
                best = r;
            }
        }
        return best;
    }

    /// <summary>Builds a classifier from <paramref name="rules"/>.</summary>
    internal static TableClassifier Build(IReadOnlyList<FlowRule> rules)
    {
        var byMask = new Dictionary<FlowMask, List<FlowRule>>();
        foreach (FlowRule r in rules)
        {
            FlowMask m = r.Match.Mask;
            if (!byMask.TryGetValue(m, out List<FlowRule>? list))
            {
                list = [];
                byMask.Add(m, list);
            }
            list.Add(r);
        }
        var subtables = new Subtable[byMask.Count];
        int n = 0;
        foreach (KeyValuePair<FlowMask, List<FlowRule>> kv in byMask)
        {
            subtables[n++] = new Subtable(kv.Key, kv.Value);
        }
        Array.Sort(subtables, static (a, b) => b.MaxPriority.CompareTo(a.MaxPriority));
        return new TableClassifier(subtables, rules.Count);
    }

    /// <summary>True when <paramref name="a"/> wins over <paramref name="b"/>: higher priority, then older.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Beats(FlowRule a, FlowRule b) =>
        a.Priority > b.Priority || (a.Priority == b.Priority && a.Sequence < b.Sequence);
}
