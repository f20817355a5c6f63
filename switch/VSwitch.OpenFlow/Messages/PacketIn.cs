using VSwitch.OpenFlow.Match;
using VSwitch.OpenFlow.Wire;

namespace VSwitch.OpenFlow.Messages;

/// <summary>PACKET_IN (<c>struct ofp_packet_in</c>, OpenFlow 1.3.5 §7.4.1).</summary>
/// <param name="Xid">Transaction id.</param>
/// <param name="BufferId">Always OFP_NO_BUFFER here.</param>
/// <param name="TotalLen">Length of the whole frame.</param>
/// <param name="Reason">Why it was sent.</param>
/// <param name="TableId">Table that was looked up.</param>
/// <param name="Cookie">Cookie of the flow that sent it (all ones for none).</param>
/// <param name="Match">Pipeline fields: in_port, and metadata and the tunnel fields when set.</param>
/// <param name="Data">The frame, cut to max_len.</param>
public sealed record PacketIn(uint Xid, uint BufferId, ushort TotalLen, PacketInReason Reason, byte TableId, ulong Cookie, OfpMatch Match, ReadOnlyMemory<byte> Data) : OfpMessage(Xid)
{
    /// <inheritdoc/>
    public override OfpType Type => OfpType.PacketIn;
}
