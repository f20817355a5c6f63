using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>GROUP_MOD (<c>struct ofp_group_mod</c>, OpenFlow 1.3.5 §7.3.4.3).</summary>
/// <param name="Xid">Transaction id.</param>
/// <param name="Command">What to do.</param>
/// <param name="GroupType">Group type.</param>
/// <param name="GroupId">Group id (OFPG_ALL only for delete).</param>
/// <param name="Buckets">The buckets.</param>
public sealed record GroupMod(uint Xid, GroupModCommand Command, GroupType GroupType, uint GroupId, IReadOnlyList<OfpBucket> Buckets) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.GroupMod;
}
