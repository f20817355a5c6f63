using VSwitch.Flows.Actions;

namespace VSwitch.Flows.Rules;

/// <summary>
/// One OpenFlow flow entry: table, match, priority, instructions (<see cref="ActionList"/>), cookie, timeouts, flags and
/// counters. Thread rules: everything except the counters is immutable. Datapath threads call <see cref="RecordHit"/>
/// (through the counters) once per flow batch; the control thread reads the counters, which may lag by a batch.
/// A rule belongs to at most one <see cref="FlowTables"/>.
/// </summary>
public sealed class FlowRule
{
    /// <summary>Priority given to a flow that does not name one (ovs-ofctl's default).</summary>
    public const int DefaultPriority = 32768;

    /// <summary>Largest priority (OpenFlow priorities are 16-bit).</summary>
    public const int MaxPriority = ushort.MaxValue;

    /// <summary>Creates a flow. Timeouts are in seconds (0 = none), as in ovs-ofctl.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Priority, a timeout or the table is out of range.</exception>
    public FlowRule(FlowMatch match, int priority, ActionList actions, ulong cookie = 0,
        int idleTimeout = 0, int hardTimeout = 0, long createdMs = 0, byte tableId = 0, FlowFlags flags = FlowFlags.None)
        : this(match, priority, actions, cookie, idleTimeout, hardTimeout, createdMs, tableId, flags, new HitCounters(createdMs))
    {
    }

    private FlowRule(FlowMatch match, int priority, ActionList actions, ulong cookie,
        int idleTimeout, int hardTimeout, long createdMs, byte tableId, FlowFlags flags, HitCounters counters)
    {
        ArgumentNullException.ThrowIfNull(match);
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentOutOfRangeException.ThrowIfNegative(priority);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(priority, MaxPriority);
        ArgumentOutOfRangeException.ThrowIfNegative(idleTimeout);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(idleTimeout, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfNegative(hardTimeout);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hardTimeout, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tableId, FlowTables.MaxTableId);
        if (actions.GotoTable >= 0 && actions.GotoTable <= tableId)
        {
            // OpenFlow 1.3.5 §5.1: the pipeline only goes forward.
            throw new ArgumentOutOfRangeException(nameof(actions), actions.GotoTable, $"goto_table must name a table after {tableId}");
        }
        Match = match;
        Priority = priority;
        Actions = actions;
        Cookie = cookie;
        IdleTimeout = idleTimeout;
        HardTimeout = hardTimeout;
        CreatedMs = createdMs;
        TableId = tableId;
        Flags = flags;
        Counters = counters;
    }

    /// <summary>What the flow matches.</summary>
    public FlowMatch Match { get; }

    /// <summary>0..65535; higher wins.</summary>
    public int Priority { get; }

    /// <summary>Opaque 64-bit value chosen by whoever added the flow.</summary>
    public ulong Cookie { get; }

    /// <summary>The instructions (an empty list = drop).</summary>
    public ActionList Actions { get; }

    /// <summary>Seconds without a hit after which the flow expires (0 = never).</summary>
    public int IdleTimeout { get; }

    /// <summary>Seconds after creation at which the flow expires (0 = never).</summary>
    public int HardTimeout { get; }

    /// <summary>Clock time (ms) the flow was created.</summary>
    public long CreatedMs { get; }

    /// <summary>The table (0..<see cref="FlowTables.MaxTableId"/>).</summary>
    public byte TableId { get; }

    /// <summary>send_flow_rem and the counting hints.</summary>
    public FlowFlags Flags { get; }

    /// <summary>The flow's counters (shared with earlier versions of it).</summary>
    public HitCounters Counters { get; }

    /// <summary>Packets that hit this flow.</summary>
    public long PacketCount => Counters.Packets;

    /// <summary>Bytes that hit this flow.</summary>
    public long ByteCount => Counters.Bytes;

    /// <summary>Clock time (ms) of the last hit, or <see cref="CreatedMs"/> if none.</summary>
    public long LastUsedMs => Counters.LastUsedMs;

    /// <summary>True for a table-miss flow: priority 0 and a match of every packet (OpenFlow 1.3.5 §5.4).</summary>
    public bool IsTableMiss => Priority == 0 && Match.Mask.IsCatchAll;

    /// <summary>
    /// Order in which the owning tables received the flow; breaks ties between overlapping flows of equal
    /// priority (the older flow wins). Set by <see cref="FlowTables"/>.
    /// </summary>
    internal long Sequence { get; set; }

    /// <summary>Adds a batch of hits. Datapath threads; no allocation, no lock.</summary>
    public void RecordHit(int packets, long bytes, long nowMs) => Counters.Record(packets, bytes, nowMs);

    /// <summary>A copy with other instructions that keeps everything else, the counters too unless <paramref name="resetCounts"/> (modify).</summary>
    internal FlowRule WithActions(ActionList actions, bool resetCounts, long nowMs) =>
        new(Match, Priority, actions, Cookie, IdleTimeout, HardTimeout, CreatedMs, TableId, Flags,
            resetCounts ? new HitCounters(nowMs) : Counters) { Sequence = Sequence };

    /// <summary>This rule with counters that start from <paramref name="counts"/>'s values (an ADD that replaces a flow).</summary>
    internal FlowRule WithCountsOf(FlowRule counts) =>
        new(Match, Priority, Actions, Cookie, IdleTimeout, HardTimeout, CreatedMs, TableId, Flags, counts.Counters.CopyAt(CreatedMs));

    /// <summary>Why the flow has expired at <paramref name="nowMs"/>, or null while it has not (hard before idle).</summary>
    internal FlowRemovalReason? ExpiryAt(long nowMs) =>
        HardTimeout > 0 && nowMs - CreatedMs >= HardTimeout * 1000L ? FlowRemovalReason.HardTimeout
        : IdleTimeout > 0 && nowMs - LastUsedMs >= IdleTimeout * 1000L ? FlowRemovalReason.IdleTimeout
        : null;
}
