using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>QUEUE_GET_CONFIG_REPLY; this switch configures no queues, so the list is always empty.</summary>
/// <param name="Xid">Transaction id.</param>
/// <param name="Port">Port number.</param>
public sealed record QueueGetConfigReply(uint Xid, uint Port) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.QueueGetConfigReply;
}
