using VSwitch.Core.Packets;

namespace VSwitch.Datapath.Controller;

/// <summary>What the datapath says about a packet it hands to the controllers (the frame travels beside it).</summary>
/// <param name="InPort">The port it came in on (OpenFlow 1.0 numbering: 0xfffd for a PACKET_OUT from a controller).</param>
/// <param name="Reason">OpenFlow PACKET_IN reason: 0 no match (a table-miss flow), 1 an output to CONTROLLER, 2 an invalid TTL.</param>
/// <param name="TableId">Table of the flow that sent it (0xff when none).</param>
/// <param name="Cookie">That flow's cookie (all ones when none).</param>
/// <param name="Metadata">The pipeline metadata at that point.</param>
/// <param name="TotalLength">The frame's whole length (the copy may be shorter: max_len, the slot size).</param>
/// <param name="Tunnel">The packet's tunnel metadata at that point (all zero when it did not come from a tunnel).</param>
public readonly record struct PacketInRecord(ushort InPort, byte Reason, byte TableId, ulong Cookie, ulong Metadata, int TotalLength,
    PacketTunnel Tunnel = default);
