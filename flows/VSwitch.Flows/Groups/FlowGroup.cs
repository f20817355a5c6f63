using VSwitch.Flows.Rules;

namespace VSwitch.Flows.Groups;

/// <summary>
/// A group (OpenFlow 1.3.5 §5.6): an id, a type and buckets, applied by flows' <c>group:ID</c> actions. Immutable except
/// the counters; a GROUP_MOD modify makes a new group that keeps the group counters (the buckets start again).
/// Thread-safe to read; the datapath credits the counters.
/// </summary>
public sealed class FlowGroup
{
    /// <summary>Largest group id a group may have (OFPG_MAX).</summary>
    public const uint MaxId = 0xffffff00;

    /// <summary>Creates a group.</summary>
    /// <exception cref="ArgumentException">The id is above <see cref="MaxId"/>, or an INDIRECT group does not have exactly one bucket.</exception>
    public FlowGroup(uint id, GroupType type, IReadOnlyList<GroupBucket> buckets, long createdMs = 0)
        : this(id, type, buckets, createdMs, new HitCounters(createdMs))
    {
    }

    private FlowGroup(uint id, GroupType type, IReadOnlyList<GroupBucket> buckets, long createdMs, HitCounters counters)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(id, MaxId);
        if (type == GroupType.Indirect && buckets.Count != 1)
        {
            throw new ArgumentException("an indirect group has exactly one bucket", nameof(buckets));
        }
        Id = id;
        Type = type;
        Buckets = [.. buckets];
        CreatedMs = createdMs;
        Counters = counters;
    }

    /// <summary>The group id.</summary>
    public uint Id { get; }

    /// <summary>The group type.</summary>
    public GroupType Type { get; }

    /// <summary>The buckets, in order.</summary>
    public IReadOnlyList<GroupBucket> Buckets { get; }

    /// <summary>Clock time (ms) the group was added.</summary>
    public long CreatedMs { get; }

    /// <summary>Packets and bytes that went through the group.</summary>
    public HitCounters Counters { get; }

    /// <summary>This group's id and counters with another type and buckets (GROUP_MOD modify).</summary>
    internal FlowGroup Modified(GroupType type, IReadOnlyList<GroupBucket> buckets) => new(Id, type, buckets, CreatedMs, Counters);
}
