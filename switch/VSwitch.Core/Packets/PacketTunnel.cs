using System.Runtime.InteropServices;

namespace VSwitch.Core.Packets;

/// <summary>
/// The tunnel metadata a packet carries through the datapath (OVS <c>flow_tnl</c>, IPv4 only): filled by a tunnel port
/// on receive from the outer headers, matched by flows as <c>tun_id</c>, <c>tun_src</c> and <c>tun_dst</c>, written by
/// <c>set_field</c>, and read by a flow-based tunnel port when the packet is sent there. All zero for a packet that did
/// not come from a tunnel, which is what <see cref="PacketBuffer.Reset"/> leaves. Addresses are in host byte order.
/// 16 bytes, so carrying it costs a packet two word copies.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct PacketTunnel
{
    /// <summary>The tunnel key (the 24-bit VXLAN VNI, right-aligned in OVS's 64-bit <c>tun_id</c>).</summary>
    public ulong Id;

    /// <summary>Outer IPv4 source: the remote VTEP on receive.</summary>
    public uint Source;

    /// <summary>Outer IPv4 destination: the local address on receive, the remote to send to on output to a flow-based port.</summary>
    public uint Destination;
}
