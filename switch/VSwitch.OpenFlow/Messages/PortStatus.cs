using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>PORT_STATUS (async): a port was added, removed or changed.</summary>
/// <param name="Xid">Transaction id.</param>
/// <param name="Reason">What happened.</param>
/// <param name="Port">The port's description now.</param>
public sealed record PortStatus(uint Xid, PortStatusReason Reason, OfpPort Port) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.PortStatus;
}
