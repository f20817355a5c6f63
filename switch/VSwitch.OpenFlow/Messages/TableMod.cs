using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>TABLE_MOD (<c>struct ofp_table_mod</c>); 1.3 defines no config bits.</summary>
/// <param name="Xid">Transaction id.</param>
/// <param name="TableId">Table, or OFPTT_ALL.</param>
/// <param name="Config">Reserved config bits.</param>
public sealed record TableMod(uint Xid, byte TableId, uint Config) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.TableMod;
}
