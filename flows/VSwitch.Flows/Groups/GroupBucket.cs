using VSwitch.Flows.Actions;
using VSwitch.Flows.Rules;

namespace VSwitch.Flows.Groups;

/// <summary>One bucket of a group: an action set and its counters. Immutable except the counters.</summary>
public sealed class GroupBucket
{
    /// <summary>Creates a bucket running <paramref name="actions"/> (an action set, as write-actions holds one).</summary>
    public GroupBucket(ActionList actions, long createdMs = 0)
    {
        ArgumentNullException.ThrowIfNull(actions);
        Actions = actions;
        Counters = new HitCounters(createdMs);
    }

    /// <summary>The bucket's action set.</summary>
    public ActionList Actions { get; }

    /// <summary>Packets and bytes the bucket processed.</summary>
    public HitCounters Counters { get; }
}
