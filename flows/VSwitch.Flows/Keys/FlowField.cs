namespace VSwitch.Flows.Keys;

/// <summary>
/// A field of <see cref="FlowKey"/> as a flow names it in a match or a <c>set_field</c> action. The numbers are those of
/// OpenFlow 1.3's OXM basic fields (<c>enum oxm_ofb_match_fields</c>, OpenFlow 1.3.5 §7.2.3.7), so the OpenFlow layer
/// maps one onto the other without a table; fields the key cannot hold (MPLS, PBB, extension headers) are absent. The
/// tunnel's outer addresses are Nicira extension fields in OVS (NXM_NX_TUN_IPV4_SRC/DST), not OXM basic fields: they
/// take numbers past the OXM basic range (<see cref="FlowFields.IsOxmBasic"/> tells them apart). Where each one lives in the key, its width and whether set_field may write it: <see cref="FlowFields"/>.
/// </summary>
public enum FlowField : byte
{
    /// <summary>Input port (<see cref="FlowKey.InPort"/>).</summary>
    InPort = 0,

    /// <summary>Pipeline metadata (<see cref="FlowKey.Metadata"/>).</summary>
    Metadata = 2,

    /// <summary>Ethernet destination.</summary>
    EthDst = 3,

    /// <summary>Ethernet source.</summary>
    EthSrc = 4,

    /// <summary>EtherType after VLAN tags.</summary>
    EthType = 5,

    /// <summary>Outermost VLAN id with OFPVID_PRESENT (0x1000): bits 0x1fff of <see cref="FlowKey.VlanTci"/>.</summary>
    VlanVid = 6,

    /// <summary>Outermost VLAN priority (3 bits).</summary>
    VlanPcp = 7,

    /// <summary>IP DSCP (6 bits, the top of the TOS byte).</summary>
    IpDscp = 8,

    /// <summary>IP ECN (2 bits, the bottom of the TOS byte).</summary>
    IpEcn = 9,

    /// <summary>IP protocol.</summary>
    IpProto = 10,

    /// <summary>IPv4 source.</summary>
    Ipv4Src = 11,

    /// <summary>IPv4 destination.</summary>
    Ipv4Dst = 12,

    /// <summary>TCP source port.</summary>
    TcpSrc = 13,

    /// <summary>TCP destination port.</summary>
    TcpDst = 14,

    /// <summary>UDP source port.</summary>
    UdpSrc = 15,

    /// <summary>UDP destination port.</summary>
    UdpDst = 16,

    /// <summary>SCTP source port.</summary>
    SctpSrc = 17,

    /// <summary>SCTP destination port.</summary>
    SctpDst = 18,

    /// <summary>ICMP type.</summary>
    Icmpv4Type = 19,

    /// <summary>ICMP code.</summary>
    Icmpv4Code = 20,

    /// <summary>ARP opcode.</summary>
    ArpOp = 21,

    /// <summary>ARP sender protocol address.</summary>
    ArpSpa = 22,

    /// <summary>ARP target protocol address.</summary>
    ArpTpa = 23,

    /// <summary>ARP sender hardware address.</summary>
    ArpSha = 24,

    /// <summary>ARP target hardware address.</summary>
    ArpTha = 25,

    /// <summary>IPv6 source.</summary>
    Ipv6Src = 26,

    /// <summary>IPv6 destination.</summary>
    Ipv6Dst = 27,

    /// <summary>IPv6 flow label (20 bits).</summary>
    Ipv6Label = 28,

    /// <summary>ICMPv6 type.</summary>
    Icmpv6Type = 29,

    /// <summary>ICMPv6 code.</summary>
    Icmpv6Code = 30,

    /// <summary>Neighbour discovery target address.</summary>
    NdTarget = 31,

    /// <summary>Neighbour discovery source link-layer address (solicitations).</summary>
    NdSll = 32,

    /// <summary>Neighbour discovery target link-layer address (advertisements).</summary>
    NdTll = 33,

    /// <summary>Tunnel key (<c>tun_id</c>, OXM TUNNEL_ID, 64 bits; a VXLAN VNI is its low 24 bits).</summary>
    TunnelId = 38,

    /// <summary>Outer IPv4 source of the tunnel (<c>tun_src</c>; an NXM extension field in OVS, not an OXM basic field).</summary>
    TunIpv4Src = 62,

    /// <summary>Outer IPv4 destination of the tunnel (<c>tun_dst</c>; an NXM extension field in OVS, not an OXM basic field).</summary>
    TunIpv4Dst = 63,
}
