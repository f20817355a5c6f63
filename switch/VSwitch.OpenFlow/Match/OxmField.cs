namespace VSwitch.OpenFlow.Match;

/// <summary>
/// The OpenFlow 1.3 basic match fields (class <c>OFPXMC_OPENFLOW_BASIC</c>, <c>enum oxm_ofb_match_fields</c>,
/// OpenFlow 1.3.5 §7.2.3.7), numbered as on the wire, and the two Nicira extension fields of class NXM_1 (0x0001)
/// that carry a tunnel's outer IPv4 addresses the way Open vSwitch sends them over OpenFlow 1.3. Those two have
/// numbers of their own past the basic range (62 and 63, the flow engine's numbers); their wire class and field
/// number come from <see cref="OxmFieldInfo.WireClass"/> and <see cref="OxmFieldInfo.WireField"/>. Sizes, masks and
/// prerequisites are in <see cref="OxmFieldInfo"/>.
/// </summary>
public enum OxmField : byte
{
    /// <summary>Switch input port (4 bytes).</summary>
    InPort = 0,
    /// <summary>Physical input port (4 bytes).</summary>
    InPhyPort = 1,
    /// <summary>Metadata passed between tables (8 bytes, maskable).</summary>
    Metadata = 2,
    /// <summary>Ethernet destination (6 bytes, maskable).</summary>
    EthDst = 3,
    /// <summary>Ethernet source (6 bytes, maskable).</summary>
    EthSrc = 4,
    /// <summary>Ethernet type after VLAN tags (2 bytes).</summary>
    EthType = 5,
    /// <summary>VLAN id with the OFPVID_PRESENT bit 0x1000 (2 bytes, maskable).</summary>
    VlanVid = 6,
    /// <summary>VLAN priority (1 byte, 3 bits).</summary>
    VlanPcp = 7,
    /// <summary>IP DSCP (1 byte, 6 bits).</summary>
    IpDscp = 8,
    /// <summary>IP ECN (1 byte, 2 bits).</summary>
    IpEcn = 9,
    /// <summary>IP protocol (1 byte).</summary>
    IpProto = 10,
    /// <summary>IPv4 source (4 bytes, maskable).</summary>
    Ipv4Src = 11,
    /// <summary>IPv4 destination (4 bytes, maskable).</summary>
    Ipv4Dst = 12,
    /// <summary>TCP source port (2 bytes).</summary>
    TcpSrc = 13,
    /// <summary>TCP destination port (2 bytes).</summary>
    TcpDst = 14,
    /// <summary>UDP source port (2 bytes).</summary>
    UdpSrc = 15,
    /// <summary>UDP destination port (2 bytes).</summary>
    UdpDst = 16,
    /// <summary>SCTP source port (2 bytes).</summary>
    SctpSrc = 17,
    /// <summary>SCTP destination port (2 bytes).</summary>
    SctpDst = 18,
    /// <summary>ICMPv4 type (1 byte).</summary>
    Icmpv4Type = 19,
    /// <summary>ICMPv4 code (1 byte).</summary>
    Icmpv4Code = 20,
    /// <summary>ARP opcode (2 bytes).</summary>
    ArpOp = 21,
    /// <summary>ARP sender IPv4 address (4 bytes, maskable).</summary>
    ArpSpa = 22,
    /// <summary>ARP target IPv4 address (4 bytes, maskable).</summary>
    ArpTpa = 23,
    /// <summary>ARP sender hardware address (6 bytes, maskable).</summary>
    ArpSha = 24,
    /// <summary>ARP target hardware address (6 bytes, maskable).</summary>
    ArpTha = 25,
    /// <summary>IPv6 source (16 bytes, maskable).</summary>
    Ipv6Src = 26,
    /// <summary>IPv6 destination (16 bytes, maskable).</summary>
    Ipv6Dst = 27,
    /// <summary>IPv6 flow label (4 bytes, 20 bits, maskable).</summary>
    Ipv6Flabel = 28,
    /// <summary>ICMPv6 type (1 byte).</summary>
    Icmpv6Type = 29,
    /// <summary>ICMPv6 code (1 byte).</summary>
    Icmpv6Code = 30,
    /// <summary>Neighbour discovery target address (16 bytes).</summary>
    Ipv6NdTarget = 31,
    /// <summary>Neighbour discovery source link-layer address (6 bytes).</summary>
    Ipv6NdSll = 32,
    /// <summary>Neighbour discovery target link-layer address (6 bytes).</summary>
    Ipv6NdTll = 33,
    /// <summary>MPLS label (4 bytes, 20 bits).</summary>
    MplsLabel = 34,
    /// <summary>MPLS traffic class (1 byte, 3 bits).</summary>
    MplsTc = 35,
    /// <summary>MPLS bottom-of-stack bit (1 byte, 1 bit).</summary>
    MplsBos = 36,
    /// <summary>PBB I-SID (3 bytes, maskable).</summary>
    PbbIsid = 37,
    /// <summary>Logical port metadata of a tunnel (8 bytes, maskable).</summary>
    TunnelId = 38,
    /// <summary>IPv6 extension header pseudo-field (2 bytes, 9 bits, maskable).</summary>
    Ipv6Exthdr = 39,
    /// <summary>Outer IPv4 source of a tunnel (4 bytes, maskable): NXM_NX_TUN_IPV4_SRC, class NXM_1, field 31 on the wire.</summary>
    TunIpv4Src = 62,
    /// <summary>Outer IPv4 destination of a tunnel (4 bytes, maskable): NXM_NX_TUN_IPV4_DST, class NXM_1, field 32 on the wire.</summary>
    TunIpv4Dst = 63,
}
