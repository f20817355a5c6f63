using VSwitch.OpenFlow.Actions;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>PACKET_OUT (<c>struct ofp_packet_out</c>, OpenFlow 1.3.5 §7.3.7): run actions on a packet from the controller.</summary>
/// <param name="Xid">Transaction id.</param>
/// <param name="BufferId">Always OFP_NO_BUFFER here (the switch buffers nothing).</param>
/// <param name="InPort">Input port for the actions: a real port, OFPP_CONTROLLER or OFPP_LOCAL.</param>
/// <param name="Actions">Actions to apply (output:TABLE runs the flow tables).</param>
/// <param name="Data">The frame; valid only while the message is handled.</param>
public sealed record PacketOut(uint Xid, uint BufferId, uint InPort, IReadOnlyList<OfpAction> Actions, ReadOnlyMemory<byte> Data) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.PacketOut;
}
