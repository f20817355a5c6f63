using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>GET_CONFIG_REQUEST.</summary>
/// <param name="Xid">Transaction id.</param>
public sealed record GetConfigRequest(uint Xid) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.GetConfigRequest;
}
