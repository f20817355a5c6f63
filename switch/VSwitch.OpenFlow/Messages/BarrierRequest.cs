using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>BARRIER_REQUEST: answered when every earlier message on the connection is done.</summary>
/// <param name="Xid">Transaction id.</param>
public sealed record BarrierRequest(uint Xid) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.BarrierRequest;
}
