using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>QUEUE_GET_CONFIG_REQUEST for a port (or OFPP_ANY).</summary>
/// <param name="Xid">Transaction id.</param>
/// <param name="Port">Port number.</param>
public sealed record QueueGetConfigRequest(uint Xid, uint Port) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.QueueGetConfigRequest;
}
