using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>BARRIER_REPLY.</summary>
/// <param name="Xid">Transaction id.</param>
public sealed record BarrierReply(uint Xid) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.BarrierReply;
}
