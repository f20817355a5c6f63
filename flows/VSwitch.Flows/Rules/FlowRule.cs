using VSwitch.Flows.Actions;

namespace VSwitch.Flows.Rules;

/// <summary>
/// One OpenFlow-style flow: match, priority, actions, cookie, timeouts and counters.
/// Thread rules: everything except the counters is immutable. Datapath threads call
/// <see cref="RecordHit"/> once per flow batch (Interlocked adds for packets and bytes, a plain store
/// for the last-used time); the control thread reads the counters, which may lag by a batch.
/// A rule belongs to at most one <see cref="FlowTable"/>.
/// </summary>
public sealed class FlowRule
{
    /// <summary>Priority given to a flow that does not name one (ovs-ofctl's default).</summary>
    public const int DefaultPriority = 32768;

    /// <summary>Largest priority (OpenFlow priorities are 16-bit).</summary>
    public const int MaxPriority = ushort.MaxValue;

    private readonly FlowCounters _counters;

    /// <summary>Creates a flow. Timeouts are in seconds (0 = none), as in ovs-ofctl.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Priority or a timeout is outside 0..65535.</exception>
    public FlowRule(FlowMatch match, int priority, ActionList actions, ulong cookie = 0,
        int idleTimeout = 0, int hardTimeout = 0, long createdMs = 0)
        : this(match, priority, actions, cookie, idleTimeout, hardTimeout, createdMs, new FlowCounters { LastUsedMs = createdMs })
    {
    }

    private FlowRule(FlowMatch match, int priority, ActionList actions, ulong cookie,
        int idleTimeout, int hardTimeout, long createdMs, FlowCounters counters)
    {
        ArgumentNullException.ThrowIfNull(match);
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentOutOfRangeException.ThrowIfNegative(priority);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(priority, MaxPriority);
        ArgumentOutOfRangeException.ThrowIfNegative(idleTimeout);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(idleTimeout, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfNegative(hardTimeout);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hardTimeout, ushort.MaxValue);
        Match = match;
        Priority = priority;
        Actions = actions;
        Cookie = cookie;
        IdleTimeout = idleTimeout;
        HardTimeout = hardTimeout;
        CreatedMs = createdMs;
        _counters = counters;
    }

    /// <summary>What the flow matches.</summary>
    public FlowMatch Match { get; }

    /// <summary>0..65535; higher wins.</summary>
    public int Priority { get; }

    /// <summary>Opaque 64-bit value chosen by whoever added the flow.</summary>
    public ulong Cookie { get; }

    /// <summary>The actions (empty = drop).</summary>
    public ActionList Actions { get; }

    /// <summary>Seconds without a hit after which the flow expires (0 = never).</summary>
    public int IdleTimeout { get; }

    /// <summary>Seconds after creation at which the flow expires (0 = never).</summary>
    public int HardTimeout { get; }

    /// <summary>Clock time (ms) the flow was created.</summary>
    public long CreatedMs { get; }

    /// <summary>Packets that hit this flow.</summary>
    public long PacketCount => Volatile.Read(ref _counters.Packets);

    /// <summary>Bytes that hit this flow.</summary>
    public long ByteCount => Volatile.Read(ref _counters.Bytes);

    /// <summary>Clock time (ms) of the last hit, or <see cref="CreatedMs"/> if none.</summary>
    public long LastUsedMs => Volatile.Read(ref _counters.LastUsedMs);

    /// <summary>
    /// Order in which the owning table received the flow; breaks ties between overlapping flows of equal
    /// priority (the older flow wins). Set by <see cref="FlowTable"/>.
    /// </summary>
    internal long Sequence { get; set; }

    /// <summary>Adds a batch of hits. Datapath threads; no allocation, no lock.</summary>
    public void RecordHit(int packets, long bytes, long nowMs)
    {
        Interlocked.Add(ref _counters.Packets, packets);
        Interlocked.Add(ref _counters.Bytes, bytes);
        Volatile.Write(ref _counters.LastUsedMs, nowMs);
    }

    /// <summary>A copy with other actions that shares this flow's counters, creation time and timeouts (mod-flows).</summary>
    internal FlowRule WithActions(ActionList actions) =>
        new(Match, Priority, actions, Cookie, IdleTimeout, HardTimeout, CreatedMs, _counters) { Sequence = Sequence };

    /// <summary>True when the idle or hard timeout has passed at <paramref name="nowMs"/>.</summary>
    internal bool IsExpired(long nowMs) =>
        (HardTimeout > 0 && nowMs - CreatedMs >= HardTimeout * 1000L)
        || (IdleTimeout > 0 && nowMs - LastUsedMs >= IdleTimeout * 1000L);
}
