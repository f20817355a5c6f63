using VSwitch.OpenFlow.Messages;

namespace VSwitch.OpenFlow;

/// <summary>
/// What the switch says about a packet it sends to the controllers; the frame travels beside it as a span. A plain
/// value, so that publishing a packet-in allocates nothing.
/// </summary>
/// <param name="Reason">NoMatch for the table-miss flow, Action for an explicit output:CONTROLLER.</param>
/// <param name="TableId">Table whose flow sent the packet.</param>
/// <param name="Cookie">That flow's cookie.</param>
/// <param name="InPort">The packet's input port (always in the match).</param>
/// <param name="Metadata">Pipeline metadata (in the match when not zero).</param>
/// <param name="MaxLen">Bytes of the frame to send: the output action's max_len; OFPCML_NO_BUFFER sends it all.</param>
/// <param name="TotalLength">
/// The packet's length as the switch saw it (total_len), when the frame handed over is already cut (the datapath cuts
/// to max_len as it copies); 0 means the frame's own length.
/// </param>
/// <param name="TunnelId">The tunnel key (TUNNEL_ID in the match when not zero).</param>
/// <param name="TunnelSource">The tunnel's outer IPv4 source, host order (NXM_NX_TUN_IPV4_SRC in the match when not zero).</param>
/// <param name="TunnelDestination">The tunnel's outer IPv4 destination, host order (NXM_NX_TUN_IPV4_DST when not zero).</param>
public readonly record struct PacketInEvent(PacketInReason Reason, byte TableId, ulong Cookie, uint InPort, ulong Metadata, ushort MaxLen,
    int TotalLength = 0, ulong TunnelId = 0, uint TunnelSource = 0, uint TunnelDestination = 0);
