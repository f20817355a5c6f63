using VSwitch.OpenFlow.Actions;

namespace VSwitch.OpenFlow.Messages;

/// <summary>A group bucket (<c>struct ofp_bucket</c>, OpenFlow 1.3.5 §7.3.4.3).</summary>
/// <param name="Weight">Relative weight for select groups; 0 for the others.</param>
/// <param name="WatchPort">Port whose liveness gates the bucket (fast failover), or OFPP_ANY.</param>
/// <param name="WatchGroup">Group whose liveness gates the bucket (fast failover), or OFPG_ANY.</param>
/// <param name="Actions">The bucket's actions (an action set: at most one of each type).</param>
public sealed record OfpBucket(ushort Weight, uint WatchPort, uint WatchGroup, IReadOnlyList<OfpAction> Actions)
{
    /// <summary>Size on the wire.</summary>
    public int WireLength => 16 + ActionCodec.ListLength(Actions);

    /// <summary>Same weight, watches and actions.</summary>
    public bool Equals(OfpBucket? other) => other is not null && Weight == other.Weight && WatchPort == other.WatchPort
        && WatchGroup == other.WatchGroup && Actions.SequenceEqual(other.Actions);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Weight, WatchPort, WatchGroup, Actions.Count);
}
