using VSwitch.Core.Time;
using VSwitch.Flows.Actions;
using VSwitch.Flows.Classifier;
using VSwitch.Flows.Groups;
using VSwitch.Flows.Translation;

namespace VSwitch.Flows.Rules;

/// <summary>
/// The switch's OpenFlow tables 0..<see cref="MaxTableId"/> and its groups, as the control plane keeps them, with the
/// semantics of OpenFlow 1.3.5 §6.4 (flow table modification) and §6.5 (group modification): ADD replaces a flow with
/// the same match and priority in the same table (keeping its counts unless RESET_COUNTS), CHECK_OVERLAP refuses an
/// overlapping one of equal priority; MODIFY changes instructions and adds nothing; DELETE returns what it removed
/// for FLOW_REMOVED; deleting a group deletes the flows that apply it.
/// Thread rules: not thread-safe, only the control thread calls it. Every change bumps <see cref="Generation"/>;
/// <see cref="Build"/> turns the current state into an immutable <see cref="FlowPipeline"/> that the control thread
/// publishes to the datapath threads, whose caches drop every entry of an older generation.
/// Design note: rules are kept in one list in the order they were added, plus an index by (table, match, priority) so
/// that an ADD replaces in O(1); lookups by the datapath never touch this type. Generations come from one
/// process-wide counter, so a cache filled from one set of tables can never be mistaken for another's.
/// </summary>
public sealed class FlowTables
{
    /// <summary>Highest table id (OFPTT_MAX = 0xfe): the switch has 255 tables, 0..254, as OVS.</summary>
    public const int MaxTableId = 254;

    /// <summary>Number of tables.</summary>
    public const int TableCount = MaxTableId + 1;

    private static long s_lastGeneration;

    private readonly IClock _clock;
    private readonly List<FlowRule> _rules = [];
    private readonly Dictionary<(byte Table, FlowMatch Match, int Priority), FlowRule> _byIdentity = [];
    private readonly SortedDictionary<uint, FlowGroup> _groups = [];
    private readonly int[] _perTable = new int[TableCount];
    private long _nextSequence;
    private FlowPipeline? _pipeline;
    private PipelineSettings _settings = PipelineSettings.Default;

    /// <summary>Creates the tables holding only the default flow <c>priority=0,actions=normal</c> in table 0, or nothing.</summary>
    public FlowTables(IClock clock, bool withDefaultFlow = true)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
        Generation = NextGeneration();
        if (withDefaultFlow)
        {
            Add(DefaultFlow(clock.NowMilliseconds));
        }
    }

    /// <summary>Changes on every modification; never 0.</summary>
    public long Generation { get; private set; }

    /// <summary>The flows of every table, oldest first (a live read-only view; control thread only).</summary>
    public IReadOnlyList<FlowRule> Rules => _rules;

    /// <summary>Number of flows in every table.</summary>
    public int Count => _rules.Count;

    /// <summary>The groups, by id.</summary>
    public IReadOnlyCollection<FlowGroup> Groups => _groups.Values;

    /// <summary>What the pipeline does with invalid TTLs and how much of such a packet goes to the controllers.</summary>
    public PipelineSettings Settings
    {
        get => _settings;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value != _settings)
            {
                _settings = value;
                Changed();
            }
        }
    }

    /// <summary>The flow every new switch has: <c>priority=0,actions=normal</c> in table 0.</summary>
    public static FlowRule DefaultFlow(long nowMs) => new(FlowMatch.CatchAll, 0, ActionList.Normal, createdMs: nowMs);

    /// <summary>Number of flows in <paramref name="tableId"/>.</summary>
    public int CountIn(byte tableId) => tableId <= MaxTableId ? _perTable[tableId] : 0;

    /// <summary>
    /// Adds a flow to its table. A flow with an identical match and priority in the same table is replaced; the new
    /// flow keeps its counts unless <paramref name="resetCounts"/> (OpenFlow 1.3.5 §6.4). With
    /// <paramref name="checkOverlap"/>, a flow of the same priority that some packet could match as well makes the add
    /// fail (<see cref="FlowAddResult.Overlap"/>) and nothing changes. Every group the flow applies must exist.
    /// </summary>
    /// <exception cref="ArgumentException">The flow applies a group that does not exist.</exception>
    public FlowAddResult Add(FlowRule rule, bool checkOverlap = false, bool resetCounts = false)
    {
        ArgumentNullException.ThrowIfNull(rule);
        foreach (uint g in rule.Actions.Groups())
        {
            if (!_groups.ContainsKey(g))
            {
                throw new ArgumentException($"group {g} does not exist", nameof(rule));
            }
        }
        var identity = (rule.TableId, rule.Match, rule.Priority);
        if (checkOverlap)
        {
            foreach (FlowRule r in _rules)
            {
                if (r.TableId == rule.TableId && r.Priority == rule.Priority && r.Match.Overlaps(rule.Match) && !r.Match.Equals(rule.Match))
                {
                    return FlowAddResult.Overlap;
                }
            }
        }
        FlowAddResult result = FlowAddResult.Added;
        if (_byIdentity.Remove(identity, out FlowRule? replaced))
        {
            _rules.Remove(replaced);
            _perTable[replaced.TableId]--;
            if (!resetCounts)
            {
                rule = rule.WithCountsOf(replaced);
            }
            result = FlowAddResult.Replaced;
        }
        rule.Sequence = ++_nextSequence;
        _rules.Add(rule);
        _byIdentity.Add(identity, rule);
        _perTable[rule.TableId]++;
        Changed();
        return result;
    }

    /// <summary>
    /// Replaces the instructions of the selected flows (OpenFlow MODIFY / MODIFY_STRICT, ovs-ofctl <c>mod-flows</c>),
    /// keeping their cookie, timeouts, flags, duration and, unless <paramref name="resetCounts"/>, their counters.
    /// Adds nothing when no flow is selected. Returns the number of flows changed.
    /// </summary>
    /// <exception cref="ArgumentException">The instructions apply a group that does not exist, or go to a table not after a selected flow's.</exception>
    public int Modify(FlowFilter filter, ActionList actions, bool resetCounts = false)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(actions);
        foreach (uint g in actions.Groups())
        {
            if (!_groups.ContainsKey(g))
            {
                throw new ArgumentException($"group {g} does not exist", nameof(actions));
            }
        }
        var selected = new List<int>();
        for (int i = 0; i < _rules.Count; i++)
        {
            if (filter.Selects(_rules[i]))
            {
                if (actions.GotoTable >= 0 && actions.GotoTable <= _rules[i].TableId)
                {
                    throw new ArgumentException($"goto_table:{actions.GotoTable} does not go forward from table {_rules[i].TableId}", nameof(actions));
                }
                selected.Add(i);
            }
        }
        long now = _clock.NowMilliseconds;
        foreach (int i in selected)
        {
            FlowRule next = _rules[i].WithActions(actions, resetCounts, now);
            _rules[i] = next;
            _byIdentity[(next.TableId, next.Match, next.Priority)] = next;
        }
        if (selected.Count > 0)
        {
            Changed();
        }
        return selected.Count;
    }

    /// <summary>Deletes the selected flows (OpenFlow DELETE / DELETE_STRICT, ovs-ofctl <c>del-flows</c>) and returns them.</summary>
    public IReadOnlyList<RemovedFlow> Delete(FlowFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return RemoveWhere(filter.Selects, FlowRemovalReason.Delete);
    }

    /// <summary>The selected flows, oldest first.</summary>
    public IEnumerable<FlowRule> Select(FlowFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        foreach (FlowRule r in _rules)
        {
            if (filter.Selects(r))
            {
                yield return r;
            }
        }
    }

    /// <summary>Removes flows whose idle or hard timeout passed by the clock's current time, and returns them with the reason.</summary>
    public IReadOnlyList<RemovedFlow> ExpireTimeouts()
    {
        long now = _clock.NowMilliseconds;
        var removed = new List<RemovedFlow>();
        for (int i = _rules.Count - 1; i >= 0; i--)
        {
            if (_rules[i].ExpiryAt(now) is FlowRemovalReason reason)
            {
                removed.Add(new RemovedFlow(_rules[i], reason));
            }
        }
        if (removed.Count == 0)
        {
            return removed;
        }
        var gone = new HashSet<FlowRule>(removed.Select(r => r.Rule), ReferenceEqualityComparer.Instance);
        RemoveWhere(gone.Contains, FlowRemovalReason.IdleTimeout);
        removed.Reverse();
        return removed;
    }

    /// <summary>The group <paramref name="id"/>, or null.</summary>
    public FlowGroup? FindGroup(uint id) => _groups.GetValueOrDefault(id);

    /// <summary>Flows that apply group <paramref name="id"/> (OpenFlow group statistics' ref_count).</summary>
    public int GroupRefCount(uint id)
    {
        int n = 0;
        foreach (FlowRule r in _rules)
        {
            n += r.Actions.UsesGroup(id) ? 1 : 0;
        }
        return n;
    }

    /// <summary>Adds a group; false (and no change) when a group with its id exists.</summary>
    public bool AddGroup(FlowGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (!_groups.TryAdd(group.Id, group))
        {
            return false;
        }
        Changed();
        return true;
    }

    /// <summary>Replaces the type and buckets of group <paramref name="id"/>, keeping its counters; false when it does not exist.</summary>
    public bool ModifyGroup(uint id, GroupType type, IReadOnlyList<GroupBucket> buckets)
    {
        if (!_groups.TryGetValue(id, out FlowGroup? old))
        {
            return false;
        }
        _groups[id] = old.Modified(type, buckets);
        Changed();
        return true;
    }

    /// <summary>
    /// Deletes group <paramref name="id"/> (every group when null) and, as OpenFlow 1.3.5 §6.5 says, every flow that
    /// applies it; returns those flows (reason <see cref="FlowRemovalReason.GroupDelete"/>). Deleting a group that does
    /// not exist changes nothing and is not an error.
    /// </summary>
    public IReadOnlyList<RemovedFlow> DeleteGroup(uint? id)
    {
        List<uint> ids = id is uint one ? (_groups.ContainsKey(one) ? [one] : []) : [.. _groups.Keys];
        if (ids.Count == 0)
        {
            return [];
        }
        foreach (uint g in ids)
        {
            _groups.Remove(g);
        }
        var set = new HashSet<uint>(ids);
        IReadOnlyList<RemovedFlow> removed = RemoveWhere(r => r.Actions.Groups().Any(set.Contains), FlowRemovalReason.GroupDelete);
        Changed();
        return removed;
    }

    /// <summary>
    /// The pipeline for the current tables, groups and settings, tagged with the current <see cref="Generation"/>. Built
    /// on the first call after a change and reused until the next one. Cost: O(rules) with one hash table per distinct
    /// mask of each non-empty table.
    /// </summary>
    public FlowPipeline Build()
    {
        if (_pipeline is null || _pipeline.Generation != Generation)
        {
            var byTable = new List<FlowRule>?[TableCount];
            foreach (FlowRule r in _rules)
            {
                (byTable[r.TableId] ??= []).Add(r);
            }
            var tables = new TableClassifier?[TableCount];
            for (int t = 0; t < TableCount; t++)
            {
                tables[t] = byTable[t] is { } list ? TableClassifier.Build(list) : null;
            }
            _pipeline = new FlowPipeline(tables, [.. _groups.Values], _settings, Generation);
        }
        return _pipeline;
    }

    private IReadOnlyList<RemovedFlow> RemoveWhere(Func<FlowRule, bool> predicate, FlowRemovalReason reason)
    {
        var removed = new List<RemovedFlow>();
        _rules.RemoveAll(r =>
        {
            if (!predicate(r))
            {
                return false;
            }
            _byIdentity.Remove((r.TableId, r.Match, r.Priority));
            _perTable[r.TableId]--;
            removed.Add(new RemovedFlow(r, reason));
            return true;
        });
        if (removed.Count > 0)
        {
            Changed();
        }
        return removed;
    }

    private void Changed() => Generation = NextGeneration();

    private static long NextGeneration() => Interlocked.Increment(ref s_lastGeneration);
}
