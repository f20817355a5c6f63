using System.Collections.ObjectModel;
using VSwitch.Core.Time;
using VSwitch.Flows.Actions;
using VSwitch.Flows.Classifier;

namespace VSwitch.Flows.Rules;

/// <summary>
/// The control plane's flow table (one OpenFlow table). Not thread-safe: only the control thread calls it.
/// Every change bumps <see cref="Generation"/>; <see cref="BuildClassifier"/> turns the current rules into
/// an immutable <see cref="MegaflowClassifier"/> that the control thread publishes to datapath threads
/// (Volatile.Write), which in turn invalidates their exact-match caches.
/// Design note: rules are kept in a list in the order they were added, plus an index by (match, priority)
/// so that adding replaces in O(1); lookups by the datapath never touch this type. Generations come from one process-wide counter, so they are unique across tables
/// and a cache filled from one table can never be mistaken for another's.
/// </summary>
public sealed class FlowTable
{
    private static long s_lastGeneration;

    private readonly IClock _clock;
    private readonly List<FlowRule> _rules = [];
    private readonly Dictionary<(FlowMatch Match, int Priority), FlowRule> _byIdentity = [];
    private readonly ReadOnlyCollection<FlowRule> _view;
    private long _nextSequence;
    private MegaflowClassifier? _classifier;

    /// <summary>Creates the table holding only the default flow, <c>priority=0,actions=normal</c>.</summary>
    public FlowTable(IClock clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
        _view = _rules.AsReadOnly();
        Generation = NextGeneration();
        Add(new FlowRule(FlowMatch.CatchAll, 0, ActionList.Normal, createdMs: clock.NowMilliseconds));
    }

    /// <summary>Changes on every modification; never 0.</summary>
    public long Generation { get; private set; }

    /// <summary>The flows, oldest first (a live read-only view; control thread only).</summary>
    public IReadOnlyList<FlowRule> Rules => _view;

    /// <summary>Number of flows.</summary>
    public int Count => _rules.Count;

    /// <summary>Adds a flow, replacing one with an identical match and priority (whose counters are lost, as in OVS).</summary>
    public void Add(FlowRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (_byIdentity.Remove((rule.Match, rule.Priority), out FlowRule? replaced))
        {
            _rules.Remove(replaced);
        }
        rule.Sequence = ++_nextSequence;
        _rules.Add(rule);
        _byIdentity.Add((rule.Match, rule.Priority), rule);
        Changed();
    }

    /// <summary>
    /// Replaces the actions of the selected flows, keeping their counters, cookies and timeouts (ovs-ofctl
    /// <c>mod-flows</c>). Strict: flows whose match equals <paramref name="match"/> and whose priority equals
    /// <paramref name="priority"/> (default <see cref="FlowRule.DefaultPriority"/>). Loose: every flow whose match
    /// is at least as specific as <paramref name="match"/> and agrees with it; priority is ignored.
    /// Adds nothing when no flow is selected. Returns the number of flows changed.
    /// </summary>
    public int Modify(FlowMatch match, int? priority, ActionList actions, bool strict)
    {
        ArgumentNullException.ThrowIfNull(match);
        ArgumentNullException.ThrowIfNull(actions);
        int changed = 0;
        for (int i = 0; i < _rules.Count; i++)
        {
            if (IsSelected(_rules[i], match, priority, strict))
            {
                _rules[i] = _rules[i].WithActions(actions);
                _byIdentity[(_rules[i].Match, _rules[i].Priority)] = _rules[i];
                changed++;
            }
        }
        if (changed > 0)
        {
            Changed();
        }
        return changed;
    }

    /// <summary>
    /// Deletes the selected flows (ovs-ofctl <c>del-flows</c>): all flows when <paramref name="match"/> is null,
    /// otherwise as in <see cref="Modify"/>. Deleting every flow leaves an empty table (packets then match nothing).
    /// Returns the number of flows removed.
    /// </summary>
    public int Delete(FlowMatch? match, int? priority, bool strict)
    {
        int before = _rules.Count;
        if (match is null)
        {
            _rules.Clear();
            _byIdentity.Clear();
        }
        else
        {
            _rules.RemoveAll(r => IsSelected(r, match, priority, strict) && _byIdentity.Remove((r.Match, r.Priority)));
        }
        int removed = before - _rules.Count;
        if (removed > 0)
        {
            Changed();
        }
        return removed;
    }

    /// <summary>Removes flows whose idle or hard timeout has passed by the clock's current time. Returns how many.</summary>
    public int ExpireTimeouts()
    {
        long now = _clock.NowMilliseconds;
        int removed = _rules.RemoveAll(r => r.IsExpired(now) && _byIdentity.Remove((r.Match, r.Priority)));
        if (removed > 0)
        {
            Changed();
        }
        return removed;
    }

    /// <summary>
    /// The classifier for the current rules, tagged with the current <see cref="Generation"/>. Built on the first
    /// call after a change and reused until the next change. Cost: O(rules) with one hash table per distinct mask.
    /// </summary>
    public MegaflowClassifier BuildClassifier()
    {
        if (_classifier is null || _classifier.Generation != Generation)
        {
            _classifier = MegaflowClassifier.Build(_rules, Generation);
        }
        return _classifier;
    }

    private static bool IsSelected(FlowRule rule, FlowMatch match, int? priority, bool strict) =>
        strict
            ? rule.Priority == (priority ?? FlowRule.DefaultPriority) && rule.Match.Equals(match)
            : rule.Match.IsSelectedBy(match);

    private void Changed() => Generation = NextGeneration();

    private static long NextGeneration() => Interlocked.Increment(ref s_lastGeneration);
}
