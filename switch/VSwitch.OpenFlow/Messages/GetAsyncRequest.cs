using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>GET_ASYNC_REQUEST: asks for the connection's async filters.</summary>
/// <param name="Xid">Transaction id.</param>
public sealed record GetAsyncRequest(uint Xid) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.GetAsyncRequest;
}
