using System.Runtime.CompilerServices;

namespace VSwitch.Flows.Keys;

/// <summary>
/// Where each <see cref="FlowField"/> lives in a <see cref="FlowKey"/> and its <see cref="FlowMask"/>: reading and
/// writing a field's value (right-aligned, as OpenFlow carries it) in a key, and its bits in a mask; its width; the
/// header (<see cref="FlowKeyLayers"/>) a packet needs for the field to exist; whether set_field may write it; and its
/// ovs-ofctl name. Several fields share key storage as in OVS (TCP, UDP and SCTP ports and the ICMP type and code use
/// the transport port fields; ARP addresses the IPv4 ones; the ND link-layer addresses the ARP hardware ones), so a
/// flow tells them apart by its EtherType and IP protocol. Thread-safe (stateless); no allocation.
/// </summary>
public static class FlowFields
{
    private static readonly FlowField[] s_all = Enum.GetValues<FlowField>();

    /// <summary>Every field, in number order.</summary>
    public static ReadOnlySpan<FlowField> All => s_all;

    /// <summary>True for a number that names a field here.</summary>
    public static bool IsKnown(int field) => field is >= 0 and <= byte.MaxValue && Enum.IsDefined((FlowField)(byte)field);

    /// <summary>Number of OXM basic field numbers (OpenFlow 1.3: 0..39); fields at or past it have no OXM basic form.</summary>
    public const int OxmBasicCount = 40;

    /// <summary>True when the field's number is an OXM basic field number (all but the tunnel's outer addresses).</summary>
    public static bool IsOxmBasic(FlowField field) => (int)field < OxmBasicCount;

    /// <summary>Width of the field in bits.</summary>
    public static int Bits(FlowField field) => field switch
    {
        FlowField.InPort => 16,
        FlowField.Metadata or FlowField.TunnelId => 64,
        FlowField.EthDst or FlowField.EthSrc or FlowField.ArpSha or FlowField.ArpTha or FlowField.NdSll or FlowField.NdTll => 48,
        FlowField.EthType or FlowField.TcpSrc or FlowField.TcpDst or FlowField.UdpSrc or FlowField.UdpDst or FlowField.SctpSrc
            or FlowField.SctpDst or FlowField.ArpOp => 16,
        FlowField.VlanVid => 13,
        FlowField.VlanPcp => 3,
        FlowField.IpDscp => 6,
        FlowField.IpEcn => 2,
        FlowField.IpProto or FlowField.Icmpv4Type or FlowField.Icmpv4Code or FlowField.Icmpv6Type or FlowField.Icmpv6Code => 8,
        FlowField.Ipv4Src or FlowField.Ipv4Dst or FlowField.ArpSpa or FlowField.ArpTpa or FlowField.TunIpv4Src or FlowField.TunIpv4Dst => 32,
        FlowField.Ipv6Label => 20,
        _ => 128,
    };

    /// <summary>The value with every bit of the field set.</summary>
    public static UInt128 AllOnes(FlowField field) => Bits(field) == 128 ? UInt128.MaxValue : (UInt128.One << Bits(field)) - 1;

    /// <summary>
    /// True when set_field may write the field (OpenFlow 1.3.5 §7.2.5: header fields; not the pipeline fields in_port
    /// and metadata). The EtherType and the IP protocol are refused as OVS refuses them: rewriting them would make the
    /// rest of the packet mean something else.
    /// </summary>
    public static bool IsWritable(FlowField field) => field is not (FlowField.InPort or FlowField.Metadata or FlowField.EthType or FlowField.IpProto);

    /// <summary>The header a packet must carry for the field to exist (None for in_port, metadata, the tunnel fields and the Ethernet fields).</summary>
    public static FlowKeyLayers Layer(FlowField field) => field switch
    {
        FlowField.VlanVid or FlowField.VlanPcp => FlowKeyLayers.Vlan,
        FlowField.IpDscp or FlowField.IpEcn or FlowField.IpProto => FlowKeyLayers.IPv4 | FlowKeyLayers.IPv6,
        FlowField.Ipv4Src or FlowField.Ipv4Dst => FlowKeyLayers.IPv4,
        FlowField.TcpSrc or FlowField.TcpDst => FlowKeyLayers.Tcp,
        FlowField.UdpSrc or FlowField.UdpDst => FlowKeyLayers.Udp,
        FlowField.SctpSrc or FlowField.SctpDst => FlowKeyLayers.Sctp,
        FlowField.Icmpv4Type or FlowField.Icmpv4Code => FlowKeyLayers.Icmp,
        FlowField.ArpOp or FlowField.ArpSpa or FlowField.ArpTpa or FlowField.ArpSha or FlowField.ArpTha => FlowKeyLayers.Arp,
        FlowField.Ipv6Src or FlowField.Ipv6Dst or FlowField.Ipv6Label => FlowKeyLayers.IPv6,
        FlowField.Icmpv6Type or FlowField.Icmpv6Code => FlowKeyLayers.Icmpv6,
        FlowField.NdTarget or FlowField.NdSll or FlowField.NdTll => FlowKeyLayers.NeighborDiscovery,
        _ => FlowKeyLayers.None,
    };

    /// <summary>The ovs-ofctl name of the field (<c>set_field:VALUE-&gt;NAME</c>).</summary>
    public static string Name(FlowField field) => field switch
    {
        FlowField.InPort => "in_port",
        FlowField.Metadata => "metadata",
        FlowField.EthDst => "eth_dst",
        FlowField.EthSrc => "eth_src",
        FlowField.EthType => "eth_type",
        FlowField.VlanVid => "vlan_vid",
        FlowField.VlanPcp => "vlan_pcp",
        FlowField.IpDscp => "ip_dscp",
        FlowField.IpEcn => "ip_ecn",
        FlowField.IpProto => "ip_proto",
        FlowField.Ipv4Src => "ipv4_src",
        FlowField.Ipv4Dst => "ipv4_dst",
        FlowField.TcpSrc => "tcp_src",
        FlowField.TcpDst => "tcp_dst",
        FlowField.UdpSrc => "udp_src",
        FlowField.UdpDst => "udp_dst",
        FlowField.SctpSrc => "sctp_src",
        FlowField.SctpDst => "sctp_dst",
        FlowField.Icmpv4Type => "icmp_type",
        FlowField.Icmpv4Code => "icmp_code",
        FlowField.ArpOp => "arp_op",
        FlowField.ArpSpa => "arp_spa",
        FlowField.ArpTpa => "arp_tpa",
        FlowField.ArpSha => "arp_sha",
        FlowField.ArpTha => "arp_tha",
        FlowField.Ipv6Src => "ipv6_src",
        FlowField.Ipv6Dst => "ipv6_dst",
        FlowField.Ipv6Label => "ipv6_label",
        FlowField.Icmpv6Type => "icmpv6_type",
        FlowField.Icmpv6Code => "icmpv6_code",
        FlowField.NdTarget => "nd_target",
        FlowField.NdSll => "nd_sll",
        FlowField.NdTll => "nd_tll",
        FlowField.TunnelId => "tun_id",
        FlowField.TunIpv4Src => "tun_src",
        FlowField.TunIpv4Dst => "tun_dst",
        _ => field.ToString(),
    };

    /// <summary>The field called <paramref name="name"/> in set_field (ovs-ofctl and NXM-style aliases such as <c>nw_src</c>, <c>dl_dst</c>).</summary>
    public static bool TryParseName(string name, out FlowField field)
    {
        ArgumentNullException.ThrowIfNull(name);
        switch (name.ToLowerInvariant())
        {
            case "dl_dst": field = FlowField.EthDst; return true;
            case "dl_src": field = FlowField.EthSrc; return true;
            case "dl_type": field = FlowField.EthType; return true;
            case "nw_src" or "ip_src": field = FlowField.Ipv4Src; return true;
            case "nw_dst" or "ip_dst": field = FlowField.Ipv4Dst; return true;
            case "nw_proto": field = FlowField.IpProto; return true;
            case "icmpv4_type": field = FlowField.Icmpv4Type; return true;
            case "icmpv4_code": field = FlowField.Icmpv4Code; return true;
            case "ipv6_flabel": field = FlowField.Ipv6Label; return true;
            case "ipv6_nd_target": field = FlowField.NdTarget; return true;
            case "ipv6_nd_sll": field = FlowField.NdSll; return true;
            case "ipv6_nd_tll": field = FlowField.NdTll; return true;
            case "tunnel_id": field = FlowField.TunnelId; return true;
        }
        foreach (FlowField f in s_all)
        {
            if (string.Equals(Name(f), name, StringComparison.OrdinalIgnoreCase))
            {
                field = f;
                return true;
            }
        }
        field = default;
        return false;
    }

    /// <summary>Reads the field's value from <paramref name="key"/> (right-aligned).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static UInt128 Get(FlowField field, in FlowKey key) => Read(field, in key);

    /// <summary>Reads the field's bits from <paramref name="mask"/> (right-aligned, as <see cref="Get"/>).</summary>
    public static UInt128 GetMask(FlowField field, in FlowMask mask) => Read(field, in FlowMask.AsKey(in mask));

    /// <summary>Writes <paramref name="value"/> (cut to the field's width) into <paramref name="key"/>, leaving the rest of shared storage alone.</summary>
    public static void Set(FlowField field, ref FlowKey key, UInt128 value) => Write(field, ref key, value);

    /// <summary>Writes the field's bits of <paramref name="mask"/> (cut to the field's width).</summary>
    public static void SetMask(FlowField field, ref FlowMask mask, UInt128 bits)
    {
        Write(field, ref Unsafe.As<FlowMask, FlowKey>(ref mask), bits);
        // The ICMP type and code share the 16-bit port fields; an exact match covers the whole field (the top byte is
        // always 0 for ICMP), so the mask equals the one the text syntax makes and the two doors agree on identity.
        if (field is FlowField.Icmpv4Type or FlowField.Icmpv6Type && (byte)bits == 0xff)
        {
            mask.TpSrc = ushort.MaxValue;
        }
        else if (field is FlowField.Icmpv4Code or FlowField.Icmpv6Code && (byte)bits == 0xff)
        {
            mask.TpDst = ushort.MaxValue;
        }
    }

    private static UInt128 Read(FlowField field, in FlowKey k) => field switch
    {
        FlowField.InPort => k.InPort,
        FlowField.Metadata => k.Metadata,
        FlowField.EthDst => k.DlDst,
        FlowField.EthSrc => k.DlSrc,
        FlowField.EthType => k.DlType,
        FlowField.VlanVid => (uint)(k.VlanTci & 0x1fff),
        FlowField.VlanPcp => (uint)(k.VlanTci >> 13),
        FlowField.IpDscp => (uint)(k.NwTos >> 2),
        FlowField.IpEcn => (uint)(k.NwTos & 3),
        FlowField.IpProto => k.NwProto,
        FlowField.Ipv4Src or FlowField.ArpSpa => k.NwSrc,
        FlowField.Ipv4Dst or FlowField.ArpTpa => k.NwDst,
        FlowField.TcpSrc or FlowField.UdpSrc or FlowField.SctpSrc => k.TpSrc,
        FlowField.TcpDst or FlowField.UdpDst or FlowField.SctpDst => k.TpDst,
        FlowField.Icmpv4Type or FlowField.Icmpv6Type => (uint)(k.TpSrc & 0xff),
        FlowField.Icmpv4Code or FlowField.Icmpv6Code => (uint)(k.TpDst & 0xff),
        FlowField.ArpOp => k.ArpOp,
        FlowField.ArpSha or FlowField.NdSll => k.ArpSha,
        FlowField.ArpTha or FlowField.NdTll => k.ArpTha,
        FlowField.Ipv6Src => k.Ipv6Src,
        FlowField.Ipv6Dst => k.Ipv6Dst,
        FlowField.Ipv6Label => k.Ipv6Label,
        FlowField.NdTarget => k.NdTarget,
        FlowField.TunnelId => k.TunId,
        FlowField.TunIpv4Src => k.TunSrc,
        FlowField.TunIpv4Dst => k.TunDst,
        _ => 0,
    };

    private static void Write(FlowField field, ref FlowKey k, UInt128 value)
    {
        ulong v = (ulong)value;
        switch (field)
        {
            case FlowField.InPort: k.InPort = (ushort)v; break;
            case FlowField.Metadata: k.Metadata = v; break;
            case FlowField.EthDst: k.DlDst = v & 0xffff_ffff_ffffUL; break;
            case FlowField.EthSrc: k.DlSrc = v & 0xffff_ffff_ffffUL; break;
            case FlowField.EthType: k.DlType = (ushort)v; break;
            case FlowField.VlanVid: k.VlanTci = (ushort)((k.VlanTci & 0xe000) | ((int)v & 0x1fff)); break;
            case FlowField.VlanPcp: k.VlanTci = (ushort)((k.VlanTci & 0x1fff) | (((int)v & 7) << 13)); break;
            case FlowField.IpDscp: k.NwTos = (byte)((k.NwTos & 3) | (((int)v & 0x3f) << 2)); break;
            case FlowField.IpEcn: k.NwTos = (byte)((k.NwTos & 0xfc) | ((int)v & 3)); break;
            case FlowField.IpProto: k.NwProto = (byte)v; break;
            case FlowField.Ipv4Src or FlowField.ArpSpa: k.NwSrc = (uint)v; break;
            case FlowField.Ipv4Dst or FlowField.ArpTpa: k.NwDst = (uint)v; break;
            case FlowField.TcpSrc or FlowField.UdpSrc or FlowField.SctpSrc: k.TpSrc = (ushort)v; break;
            case FlowField.TcpDst or FlowField.UdpDst or FlowField.SctpDst: k.TpDst = (ushort)v; break;
            case FlowField.Icmpv4Type or FlowField.Icmpv6Type: k.TpSrc = (byte)v; break;
            case FlowField.Icmpv4Code or FlowField.Icmpv6Code: k.TpDst = (byte)v; break;
            case FlowField.ArpOp: k.ArpOp = (ushort)v; break;
            case FlowField.ArpSha or FlowField.NdSll: k.ArpSha = v & 0xffff_ffff_ffffUL; break;
            case FlowField.ArpTha or FlowField.NdTll: k.ArpTha = v & 0xffff_ffff_ffffUL; break;
            case FlowField.Ipv6Src: k.Ipv6Src = value; break;
            case FlowField.Ipv6Dst: k.Ipv6Dst = value; break;
            case FlowField.Ipv6Label: k.Ipv6Label = (uint)v & 0xfffff; break;
            case FlowField.NdTarget: k.NdTarget = value; break;
            case FlowField.TunnelId: k.TunId = v; break;
            case FlowField.TunIpv4Src: k.TunSrc = (uint)v; break;
            case FlowField.TunIpv4Dst: k.TunDst = (uint)v; break;
        }
    }
}
