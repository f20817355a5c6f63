using VSwitch.OpenFlow.Match;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>FLOW_REMOVED (<c>struct ofp_flow_removed</c>, OpenFlow 1.3.5 §7.4.2).</summary>
/// <param name="Xid">Transaction id.</param>
/// <param name="Cookie">The flow's cookie.</param>
/// <param name="Priority">The flow's priority.</param>
/// <param name="Reason">Why it was removed.</param>
/// <param name="TableId">Its table.</param>
/// <param name="DurationSec">Time alive, seconds.</param>
/// <param name="DurationNsec">Time alive beyond DurationSec, nanoseconds.</param>
/// <param name="IdleTimeout">Its idle timeout.</param>
/// <param name="HardTimeout">Its hard timeout.</param>
/// <param name="PacketCount">Packets it matched.</param>
/// <param name="ByteCount">Bytes it matched.</param>
/// <param name="Match">Its match.</param>
public sealed record FlowRemoved(uint Xid, ulong Cookie, ushort Priority, FlowRemovedReason Reason, byte TableId, uint DurationSec, uint DurationNsec, ushort IdleTimeout, ushort HardTimeout, ulong PacketCount, ulong ByteCount, OfpMatch Match) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.FlowRemoved;
}
